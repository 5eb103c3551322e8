#!/usr/bin/env node
import { runService } from '@mediabot/service-kit';
import { configSchema } from './config.ts';

await runService({
  name: 'gateway-bot',
  configSchema,
  async start(context) {
    const { startGateway } = await import('./start.ts');
    await startGateway(context);
  },
});
