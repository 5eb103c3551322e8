import { Redis } from 'ioredis';
import { Telegram } from 'telegraf';
import { openEventInfrastructure } from '@mediabot/event-service';
import { redisCheck, type ServiceContext } from '@mediabot/service-kit';
import type { GatewayConfig } from './config.ts';
import { startPolling } from './intake/polling.ts';
import { startWebhookServer } from './intake/webhook.ts';
import {
  applyPreferenceEvent,
  preferenceEventTypes,
  preferencesMigrations,
  preferredQuality,
} from './preferences/preferences.projection.ts';
import { createRateLimiter } from './rate-limit/rate-limiter.ts';
import { createUpdateHandler } from './updates/handle-update.ts';

export const webhookPath = '/telegram/webhook';

export async function startGateway(context: ServiceContext<GatewayConfig>): Promise<void> {
  const { config, logger, shutdown } = context;
  const infrastructure = await openEventInfrastructure(context, {
    schema: 'gateway_bot',
    migrations: preferencesMigrations,
  });
  const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 2, lazyConnect: false });
  redis.on('error', (error) => logger.warn({ err: error }, 'Redis error'));
  shutdown.register('redis', async () => {
    await redis.quit().catch(() => redis.disconnect());
  });
  context.addReadinessCheck(redisCheck(redis));

  await infrastructure.consume({
    bindings: preferenceEventTypes,
    handler: (message, { trx }) => applyPreferenceEvent(trx, message),
  });

  const telegram = new Telegram(config.TELEGRAM_BOT_TOKEN, {
    apiRoot: config.TELEGRAM_API_ROOT,
    webhookReply: false,
  });
  const handleUpdate = createUpdateHandler({
    append: async (streamId, events) => {
      await infrastructure.append(streamId, events, 'no_stream');
    },
    preferredQuality: (telegramUserId) => preferredQuality(infrastructure.db, telegramUserId),
    rateLimiter: createRateLimiter(redis, {
      perUserPerMinute: config.RATE_LIMIT_USER_PER_MINUTE,
      globalPerMinute: config.RATE_LIMIT_GLOBAL_PER_MINUTE,
      keyPrefix: `${config.GATEWAY_REDIS_PREFIX}:rate`,
    }),
    answerCallbackQuery: async (id) => {
      await telegram.answerCbQuery(id);
    },
    maxLinksPerMessage: config.MAX_LINKS_PER_MESSAGE,
    linkPolicy: { allowList: config.EGRESS_ALLOW_CIDRS, allowedPorts: config.EGRESS_ALLOW_PORTS },
    logger,
  });

  if (config.GATEWAY_MODE === 'webhook') {
    const secret = config.WEBHOOK_SECRET ?? '';
    const server = await startWebhookServer({
      host: config.WEBHOOK_HOST,
      port: config.WEBHOOK_PORT,
      path: webhookPath,
      secret,
      handleUpdate,
      logger,
    });
    shutdown.register('webhook server', () => server.close());
    if (config.WEBHOOK_REGISTER && config.WEBHOOK_PUBLIC_URL) {
      await telegram.setWebhook(new URL(webhookPath, config.WEBHOOK_PUBLIC_URL).href, {
        secret_token: secret,
        allowed_updates: ['message', 'callback_query'],
      });
    }
    logger.info({ port: server.port, path: webhookPath }, 'Receiving updates by webhook');
    return;
  }

  await telegram.deleteWebhook({ drop_pending_updates: false });
  const polling = startPolling({
    getUpdates: (offset, timeoutSeconds, signal) =>
      telegram.callApi(
        'getUpdates',
        { offset, timeout: timeoutSeconds, allowed_updates: ['message', 'callback_query'] },
        { signal } as unknown as Parameters<typeof telegram.callApi>[2],
      ),
    handleUpdate,
    timeoutSeconds: config.POLLING_TIMEOUT_SECONDS,
    maxRetryDelayMs: config.UPDATE_RETRY_MAX_DELAY_MS,
    logger,
  });
  shutdown.register('polling', () => polling.stop());
  logger.info({ apiRoot: config.TELEGRAM_API_ROOT }, 'Receiving updates by long polling');
}
