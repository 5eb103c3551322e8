#!/usr/bin/env node
import { runService } from '@mediabot/service-kit';
import { configSchema } from './config.ts';

await runService({
  name: 'identity',
  configSchema,
  async start(context) {
    const { startIdentity } = await import('./start.ts');
    await startIdentity(context);
  },
});
