import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Envelope, RecordedEnvelope } from '@mediabot/contracts';
import { startEgressProxy, type EgressProxy } from '@mediabot/egress-guard';
import { migrateServiceSchema } from '@mediabot/event-service';
import { createEventStore, migrateEventStore, type EventStore } from '@mediabot/eventstore';
import {
  silentLogger,
  type DeliveryInfo,
  type HandlerContext,
  type LongRunningContext,
  type MessageHandler,
} from '@mediabot/messaging';
import { createObjectStorage, type ObjectStorage } from '@mediabot/object-storage';
import { startEmbeddedS3, type EmbeddedS3 } from '@mediabot/object-storage/embedded';
import {
  ensureSampleMedia,
  startMediaServer,
  type MediaServer,
  type SampleMedia,
} from '@mediabot/sample-media';
import { createTestDatabase, type TestDatabase } from '@mediabot/testing';
import { migrations } from '../migrations.ts';

export const s3Credentials = { accessKey: 'test-access-key', secretKey: 'test-secret-key' };
export const buckets = { raw: 'mediabot-raw', media: 'mediabot-media' };

/** Real PostgreSQL, embedded S3, the sample media server and an egress proxy, for one test file. */
export interface DownloaderHarness {
  database: TestDatabase;
  store: EventStore;
  samples: SampleMedia;
  media: MediaServer;
  s3: EmbeddedS3;
  storage: ObjectStorage;
  /** Allows 127.0.0.1 and the media server's port: the local-run configuration. */
  proxy: EgressProxy;
  /** Requests the proxy forwarded. */
  forwarded(): number;
  /** A fresh directory for this file's downloads. */
  workRoot: string;
  close(): Promise<void>;
}

/**
 * An egress proxy that lets no address through (only the media server's port is open), to show
 * what the proxy refuses when a URL check alone would have let a link pass. The caller closes it.
 */
export function startStrictProxy(harness: DownloaderHarness): Promise<EgressProxy> {
  return startEgressProxy({
    host: '127.0.0.1',
    port: 0,
    allowList: [],
    allowedPorts: [harness.media.port],
    connectTimeoutMs: 2_000,
  });
}

export async function startHarness(): Promise<DownloaderHarness> {
  const scratch = await mkdtemp(join(tmpdir(), 'mediabot-downloader-test-'));
  const database = await createTestDatabase();
  await migrateEventStore(database.db);
  await migrateServiceSchema(database.db, 'downloader', migrations);
  const samples = await ensureSampleMedia();
  const media = await startMediaServer({ dir: samples.dir });
  const s3 = await startEmbeddedS3({ directory: join(scratch, 's3'), port: 0, ...s3Credentials });
  const storage = createObjectStorage({
    endpoint: s3.endpoint,
    region: 'us-east-1',
    buckets,
    ...s3Credentials,
  });
  await storage.ensureBuckets();
  let forwarded = 0;
  const proxy = await startEgressProxy({
    host: '127.0.0.1',
    port: 0,
    allowList: ['127.0.0.1/32'],
    allowedPorts: [media.port],
    connectTimeoutMs: 2_000,
    observer: {
      refused: () => undefined,
      forwarded: () => {
        forwarded += 1;
      },
    },
  });
  return {
    database,
    store: createEventStore(database.db),
    samples,
    media,
    s3,
    storage,
    proxy,
    forwarded: () => forwarded,
    workRoot: join(scratch, 'work'),
    async close() {
      await Promise.allSettled([proxy.close(), media.close(), s3.close()]);
      await database.drop();
      await rm(scratch, { recursive: true, force: true });
    },
  };
}

export function delivery(message: Envelope, attempt = 1): DeliveryInfo {
  return {
    consumer: 'downloader.test',
    queue: 'test',
    messageId: message.eventId,
    type: message.type,
    routingKey: message.type,
    redelivered: false,
    attempt,
    globalPosition: undefined,
  };
}

/** What the consumer hands a long-running handler. */
export function longRunningContext(
  harness: DownloaderHarness,
  message: Envelope,
  options: { attempt?: number; signal?: AbortSignal } = {},
): LongRunningContext {
  return {
    db: harness.database.db,
    delivery: delivery(message, options.attempt),
    logger: silentLogger,
    signal: options.signal ?? new AbortController().signal,
  };
}

/** Runs a short handler the way the consumer does: inside one transaction. */
export async function handleInTransaction(
  harness: DownloaderHarness,
  handler: MessageHandler,
  message: Envelope,
  attempt = 1,
): Promise<void> {
  await harness.database.db.transaction().execute(async (trx) => {
    const context: HandlerContext = {
      trx,
      delivery: delivery(message, attempt),
      logger: silentLogger,
    };
    await handler(message, context);
  });
}

export async function typesIn(store: EventStore, streamId: string): Promise<string[]> {
  return (await store.readStream(streamId)).map((event) => event.type);
}

export function ofType(events: readonly RecordedEnvelope[], type: string): RecordedEnvelope[] {
  return events.filter((event) => event.type === type);
}
