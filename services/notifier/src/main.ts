import { runService } from '@mediabot/service-kit';
import { configSchema } from './config.ts';

await runService({
  name: 'notifier',
  configSchema,
  async start(context) {
    // pg, amqplib and ioredis load after tracing is on.
    const { startNotifier } = await import('./start.ts');
    return startNotifier(context);
  },
});
