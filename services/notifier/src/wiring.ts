import { WithSchemaPlugin, type Kysely } from 'kysely';
import type { Redis } from 'ioredis';
import { Telegram } from 'telegraf';
import type { EventStore } from '@mediabot/eventstore';
import type { ObjectStorage } from '@mediabot/object-storage';
import type { NotifierConfig } from './config.ts';
import type { NotifierDeps, NotifierLogger } from './notifier-deps.ts';
import { createEventAppender } from './sending/event-appender.ts';
import { createSentMessages } from './sending/send-once.ts';
import { createMediaStore } from './state/media.ts';
import { createRequests } from './state/requests.ts';
import { notifierSchema, type NotifierTables } from './state/tables.ts';
import { createUsers } from './state/users.ts';
import { createRedisRequestLocks } from './status/request-lock.ts';
import { createRedisStatusRedraws } from './status/status-redraws.ts';
import { createBotApi, type RawTelegramClient } from './telegram/bot-api.ts';
import { createRedisSendRateLimiter } from './telegram/send-rate-limiter.ts';
import { createSendSlots } from './telegram/send-slots.ts';

export type NotifierWiringConfig = Pick<
  NotifierConfig,
  | 'TELEGRAM_BOT_TOKEN'
  | 'TELEGRAM_API_ROOT'
  | 'TELEGRAM_UPLOAD_LIMIT_BYTES'
  | 'PROGRESS_EDIT_INTERVAL'
  | 'RATE_PER_CHAT_PER_SECOND'
  | 'RATE_GLOBAL_PER_SECOND'
  | 'TELEGRAM_MAX_WAIT_MS'
  | 'NOTIFIER_DELIVERY_CONCURRENCY'
>;

/** Builds the handlers' dependencies from open connections (start.ts and the int tests share it). */
export function createNotifierDeps(options: {
  config: NotifierWiringConfig;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the service's database, any schema
  db: Kysely<any>;
  store: EventStore;
  redis: Redis;
  storage: Pick<ObjectStorage, 'getStream'>;
  logger: NotifierLogger;
  /** Redis key prefix (tests isolate themselves with their own). */
  redisPrefix?: string;
  now?: () => Date;
}): NotifierDeps {
  const { config } = options;
  const db = (options.db as Kysely<NotifierTables>).withPlugin(
    new WithSchemaPlugin(notifierSchema),
  );
  const prefix = options.redisPrefix ?? 'mediabot:notifier';
  const telegram = new Telegram(config.TELEGRAM_BOT_TOKEN, {
    apiRoot: config.TELEGRAM_API_ROOT,
  }) as unknown as RawTelegramClient;
  return {
    bot: createBotApi({
      telegram,
      limiter: createRedisSendRateLimiter(
        options.redis,
        {
          perChatPerSecond: config.RATE_PER_CHAT_PER_SECOND,
          // Telegram tolerates short bursts in a chat; the pace applies after them.
          perChatBurst: Math.max(1, Math.ceil(config.RATE_PER_CHAT_PER_SECOND * 3)),
          globalPerSecond: config.RATE_GLOBAL_PER_SECOND,
        },
        `${prefix}:telegram`,
      ),
      maxWaitMs: config.TELEGRAM_MAX_WAIT_MS,
    }),
    deliverySlots: createSendSlots(config.NOTIFIER_DELIVERY_CONCURRENCY),
    redraws: createRedisStatusRedraws(options.redis, `${prefix}:status-redraws`),
    sent: createSentMessages(db),
    locks: createRedisRequestLocks(options.redis, { keyPrefix: `${prefix}:lock:request` }),
    requests: createRequests(db),
    users: createUsers(db),
    media: createMediaStore(db),
    files: { open: (bucket, objectKey) => options.storage.getStream(bucket, objectKey) },
    events: createEventAppender(options.store),
    now: options.now ?? (() => new Date()),
    logger: options.logger,
    settings: {
      uploadLimitBytes: config.TELEGRAM_UPLOAD_LIMIT_BYTES,
      progressEditIntervalMs: config.PROGRESS_EDIT_INTERVAL,
    },
  };
}
