import { runService } from '@mediabot/service-kit';
import { configSchema } from './config.ts';

await runService({
  name: 'transcoder',
  configSchema,
  async start(context) {
    // pg and amqplib load after tracing is on.
    const { startTranscoder } = await import('./start.ts');
    return startTranscoder(context);
  },
});
