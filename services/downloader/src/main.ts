import { runService } from '@mediabot/service-kit';
import { configSchema } from './config.ts';

await runService({
  name: 'downloader',
  configSchema,
  async start(context) {
    // pg and amqplib load after tracing is on.
    const { startDownloader } = await import('./start.ts');
    return startDownloader(context);
  },
});
