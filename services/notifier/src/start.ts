import { Redis } from 'ioredis';
import { openEventInfrastructure } from '@mediabot/event-service';
import { createObjectStorage, objectStorageOptionsOf } from '@mediabot/object-storage';
import { redisCheck, type ServiceContext, type StartResult } from '@mediabot/service-kit';
import type { NotifierConfig } from './config.ts';
import { migrations } from './migrations.ts';
import { createNotifier, deliveryEventTypes, mainEventTypes } from './notifier.ts';
import { notifierSchema } from './state/tables.ts';
import { startRedrawLoop } from './status/redraw-loop.ts';
import { createNotifierDeps } from './wiring.ts';

/** Delivery events one instance takes on at once: most of them wait for a chat's budget. */
const deliveriesTakenOnAtOnce = (config: NotifierConfig) =>
  Math.max(32, config.NOTIFIER_DELIVERY_CONCURRENCY * 4);

export async function startNotifier(context: ServiceContext<NotifierConfig>): Promise<StartResult> {
  const { config, logger, shutdown } = context;
  const infrastructure = await openEventInfrastructure(context, {
    schema: notifierSchema,
    migrations,
  });

  const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 3 });
  redis.on('error', (error: Error) => logger.warn({ err: error }, 'Redis connection error'));
  shutdown.register('redis', async () => {
    await redis.quit();
  });
  context.addReadinessCheck(redisCheck(redis));

  const storage = createObjectStorage(objectStorageOptionsOf(config));

  const deps = createNotifierDeps({
    config,
    db: infrastructure.db,
    store: infrastructure.store,
    redis,
    storage,
    logger,
    redisPrefix: config.NOTIFIER_REDIS_PREFIX,
  });
  const notifier = createNotifier(deps);
  const redraws = startRedrawLoop(deps);
  shutdown.register('status redraws', () => redraws.stop());
  // Brokers that honour per-consumer timeouts (3.12+) must not cut a handler that is still
  // waiting out a 429, or an upload of a large file to a self-hosted Bot API server.
  const minute = 60_000;
  await infrastructure.consume({
    bindings: mainEventTypes,
    longRunningHandler: (message, { signal }) => notifier.handle(message, signal),
    concurrency: config.NOTIFIER_CONCURRENCY,
    consumerTimeoutMs: Math.max(config.CONSUMER_TIMEOUT_MS, config.TELEGRAM_MAX_WAIT_MS + minute),
  });
  await infrastructure.consume({
    subscription: 'deliveries',
    bindings: deliveryEventTypes,
    longRunningHandler: (message, { signal }) => notifier.handle(message, signal),
    // Sends are limited by deps.deliverySlots; a delivery waiting for its chat's budget holds
    // only its place here, so other chats' deliveries go on meanwhile.
    prefetch: deliveriesTakenOnAtOnce(config),
    concurrency: deliveriesTakenOnAtOnce(config),
    consumerTimeoutMs: Math.max(config.CONSUMER_TIMEOUT_MS, 30 * minute),
  });
  return {};
}
