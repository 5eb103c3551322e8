import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { sql } from 'kysely';
import { randomUUID } from 'node:crypto';
import type { Envelope } from '@mediabot/contracts';
import { createEventStore, type EventStore } from '@mediabot/eventstore';
import { startRelay, type Relay } from '@mediabot/messaging';
import { createObjectStorage, type ObjectStorage } from '@mediabot/object-storage';
import { startEmbeddedS3, type EmbeddedS3 } from '@mediabot/object-storage/embedded';
import {
  createHandlingMetrics,
  createLogger,
  createMetricsRegistry,
  createShutdown,
  type ServiceContext,
} from '@mediabot/service-kit';
import {
  createTelegramDriver,
  createTelegramFake,
  type TelegramDriver,
  type TelegramFake,
  type TelegramFakeOptions,
} from '@mediabot/telegram-fake';
import {
  createTestDatabase,
  createTestVhost,
  serviceUrls,
  type TestDatabase,
  type TestVhost,
} from '@mediabot/testing';
import { configSchema, type NotifierConfig } from '../config.ts';
import { createNotifier, type Notifier } from '../notifier.ts';
import type { NotifierDeps } from '../notifier-deps.ts';
import { startNotifier } from '../start.ts';
import { createNotifierDeps } from '../wiring.ts';

/**
 * A running notifier (startNotifier, both consumers) against real PostgreSQL, RabbitMQ and
 * Redis, the fake Bot API and an embedded S3, with the relay publishing what tests append.
 */
export interface NotifierHarness {
  fake: TelegramFake;
  driver: TelegramDriver;
  store: EventStore;
  database: TestDatabase;
  storage: ObjectStorage;
  config: NotifierConfig;
  /** Dependencies wired like the service's, for calling the handlers directly. */
  deps: NotifierDeps;
  notifier: Notifier;
  /** Appends each event to its own stream, at the stream's current version. */
  append(...events: Envelope[]): Promise<void>;
  /** Resolves once the notifier's consumers recorded the event as handled. */
  handled(eventId: string, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

// NOTIFIER_TEST_LOG=debug shows the service's logs while a test runs.
const silent = createLogger({
  service: 'notifier-test',
  level: process.env.NOTIFIER_TEST_LOG === 'debug' ? 'debug' : 'silent',
});

export async function startNotifierHarness(
  options: { env?: Record<string, string>; fake?: TelegramFakeOptions } = {},
): Promise<NotifierHarness> {
  const [database, vhost, urls]: [TestDatabase, TestVhost, { redis: string }] = await Promise.all([
    createTestDatabase(),
    createTestVhost(),
    serviceUrls(),
  ]);
  const fake = await createTelegramFake(options.fake);
  const s3Directory = await mkdtemp(join(tmpdir(), 'notifier-s3-'));
  const credentials = { accessKey: 'notifier-test', secretKey: 'notifier-test-secret' };
  const s3: EmbeddedS3 = await startEmbeddedS3({ directory: s3Directory, ...credentials });
  const bucket = `media-${randomUUID().slice(0, 8)}`;
  const storage = createObjectStorage({
    endpoint: s3.endpoint,
    ...credentials,
    region: 'us-east-1',
    buckets: { media: bucket, raw: `${bucket}-raw` },
  });
  await storage.ensureBuckets();

  const config = configSchema.parse({
    LOG_LEVEL: 'silent',
    DATABASE_URL: database.url,
    RABBITMQ_URL: vhost.url,
    REDIS_URL: urls.redis,
    TELEGRAM_BOT_TOKEN: fake.token,
    TELEGRAM_API_ROOT: fake.url,
    RATE_PER_CHAT_PER_SECOND: '50',
    RATE_GLOBAL_PER_SECOND: '500',
    PROGRESS_EDIT_INTERVAL: '1h',
    NOTIFIER_REDIS_PREFIX: `test:notifier:${randomUUID()}`,
    S3_ENDPOINT: s3.endpoint,
    S3_ACCESS_KEY: credentials.accessKey,
    S3_SECRET_KEY: credentials.secretKey,
    S3_BUCKET_MEDIA: bucket,
    S3_BUCKET_RAW: `${bucket}-raw`,
    ...options.env,
  });
  const registry = createMetricsRegistry('notifier');
  const context: ServiceContext<NotifierConfig> = {
    config,
    service: 'notifier',
    logger: silent,
    registry,
    shutdown: createShutdown({
      logger: silent,
      timeoutMs: 15_000,
      exit: () => undefined,
      signals: [],
    }),
    handlingMetrics: createHandlingMetrics(registry),
    addReadinessCheck: () => undefined,
  };
  await startNotifier(context);
  // Published only once the notifier's queues exist: the relay drops what nobody is bound to.
  const relay: Relay = startRelay({
    db: database.db,
    databaseUrl: database.url,
    amqp: vhost.url,
    pollIntervalMs: 100,
  });

  const store = createEventStore(database.db);
  const redis = new Redis(urls.redis);
  const deps = createNotifierDeps({
    config,
    db: database.db,
    store,
    redis,
    storage,
    logger: silent,
    redisPrefix: config.NOTIFIER_REDIS_PREFIX,
  });

  return {
    fake,
    driver: createTelegramDriver(fake),
    store,
    database,
    storage,
    config,
    deps,
    notifier: createNotifier(deps),
    async append(...events) {
      for (const event of events) {
        const version = await store.streamVersion(event.streamId);
        await store.append(event.streamId, [event], { expectedVersion: version ?? 'no_stream' });
      }
    },
    async handled(eventId, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const { rows } =
          await sql`select 1 from notifier.inbox where event_id = ${eventId}::uuid`.execute(
            database.db,
          );
        if (rows.length > 0) return;
        if (Date.now() > deadline)
          throw new Error(`Event ${eventId} was not handled in ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    async stop() {
      await relay.stop();
      await context.shutdown.run('test over');
      redis.disconnect();
      await fake.close();
      await s3.close();
      await rm(s3Directory, { recursive: true, force: true });
      await Promise.all([database.drop(), vhost.remove()]);
    },
  };
}
