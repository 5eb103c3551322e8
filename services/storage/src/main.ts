import { runService } from '@mediabot/service-kit';
import { configSchema } from './config.ts';

await runService({
  name: 'storage',
  configSchema,
  async start(context) {
    // Imported here so pg and amqplib load after tracing is on.
    const { startStorage } = await import('./start.ts');
    return startStorage(context);
  },
});
