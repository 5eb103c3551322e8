import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cacheStream, DownloadLinkIssued, FetchQueued } from '@mediabot/contracts';
import { createEventStore, migrateEventStore } from '@mediabot/eventstore';
import { startRelay, type Relay } from '@mediabot/messaging';
import { startEmbeddedS3, type EmbeddedS3 } from '@mediabot/object-storage/embedded';
import {
  createHandlingMetrics,
  createLogger,
  createMetricsRegistry,
  createShutdown,
  type ServiceContext,
} from '@mediabot/service-kit';
import {
  createTestDatabase,
  createTestVhost,
  type TestDatabase,
  type TestVhost,
} from '@mediabot/testing';
import { formatSelected, mediaReady, request, uniqueCacheKey } from './cache/fixtures.ts';
import { configSchema, type StorageConfig } from './config.ts';
import { startStorage } from './start.ts';

let database: TestDatabase;
let vhost: TestVhost;
let s3: EmbeddedS3;
let s3Directory: string;
let relay: Relay;
const replicas: ServiceContext<StorageConfig>[] = [];
const prefix = 'st';

function replicaContext(): ServiceContext<StorageConfig> {
  const config = configSchema.parse({
    DATABASE_URL: database.url,
    RABBITMQ_URL: vhost.url,
    REDIS_URL: 'redis://127.0.0.1:6379',
    RABBITMQ_PREFIX: prefix,
    S3_ENDPOINT: s3.endpoint,
    S3_ACCESS_KEY: 'service-test',
    S3_SECRET_KEY: 'service-test-secret',
    S3_BUCKET_MEDIA: 'service-media',
    S3_BUCKET_RAW: 'service-raw',
    TELEGRAM_UPLOAD_LIMIT_BYTES: '1000',
    CLEANUP_INTERVAL: '1h',
  });
  const logger = createLogger({ service: 'storage', level: 'silent' });
  const registry = createMetricsRegistry('storage');
  return {
    config,
    service: 'storage',
    logger,
    registry,
    shutdown: createShutdown({ logger, timeoutMs: 10_000, exit: () => undefined, signals: [] }),
    handlingMetrics: createHandlingMetrics(registry),
    addReadinessCheck: () => undefined,
  };
}

beforeAll(async () => {
  [database, vhost] = await Promise.all([createTestDatabase(), createTestVhost()]);
  s3Directory = await mkdtemp(join(tmpdir(), 'storage-service-'));
  s3 = await startEmbeddedS3({
    directory: s3Directory,
    accessKey: 'service-test',
    secretKey: 'service-test-secret',
  });
  await migrateEventStore(database.db);
  // Two replicas of storage on one queue: the race the cache entry's stream has to settle.
  for (let index = 0; index < 2; index += 1) {
    const context = replicaContext();
    await startStorage(context);
    replicas.push(context);
  }
  relay = startRelay({ db: database.db, databaseUrl: database.url, amqp: vhost.url, prefix });
});

afterAll(async () => {
  await relay?.stop();
  for (const context of replicas) await context.shutdown.run('test');
  await s3?.close();
  await rm(s3Directory, { recursive: true, force: true });
  await Promise.all([database?.drop(), vhost?.remove()]);
});

describe('storage service (two replicas, relay, RabbitMQ)', () => {
  it('coalesces 20 requests for one media+format into one fetch, then links the oversize file', async () => {
    const store = createEventStore(database.db);
    const cacheKey = uniqueCacheKey();
    const requests = Array.from({ length: 20 }, (_, index) => request(2000 + index));
    await Promise.all(
      requests.map((ref) => {
        const event = formatSelected(ref, cacheKey);
        return store.append(event.streamId, [event], { expectedVersion: 'no_stream' });
      }),
    );

    const streamId = cacheStream(cacheKey);
    await expect
      .poll(async () => (await store.readStream(streamId)).length, {
        timeout: 30_000,
        interval: 100,
      })
      .toBe(20);
    const queued = (await store.readStream(streamId)).filter((event) => FetchQueued.is(event));
    const started = queued.filter(
      (event) => (event.data as { startedFetch: boolean }).startedFetch,
    );
    expect(queued).toHaveLength(20);
    expect(started).toHaveLength(1);
    expect(
      new Set(queued.map((event) => (event.data as { requestId: string }).requestId)).size,
    ).toBe(20);

    // The transcoder's file is over the (1000-byte) limit: every waiting request gets a link.
    const ready = mediaReady({ objectKey: 'media/service/big.mp4', sizeBytes: 5000 }, cacheKey);
    await store.append(streamId, [ready], { expectedVersion: 20n });
    await expect
      .poll(
        async () =>
          (await store.readStream(streamId)).filter((event) => DownloadLinkIssued.is(event)).length,
        { timeout: 30_000, interval: 100 },
      )
      .toBe(20);
  });
});
