import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { registry, type Envelope, type RecordedEnvelope } from '@mediabot/contracts';
import { migrateServiceSchema } from '@mediabot/event-service';
import { createEventStore, migrateEventStore, type AnyDatabase } from '@mediabot/eventstore';
import { createObjectStorage, type ObjectStorage } from '@mediabot/object-storage';
import { startEmbeddedS3, type EmbeddedS3 } from '@mediabot/object-storage/embedded';
import { createTestDatabase, type TestDatabase } from '@mediabot/testing';
import type { CachePolicy } from '../cache/cache-entry.ts';
import type { CacheDependencies } from '../cache/cache-store.ts';
import { policy as defaultPolicy } from '../cache/fixtures.ts';
import { handleStorageMessage } from '../handler.ts';
import { migrations, storageSchema } from '../migrations.ts';

export const s3Credentials = { accessKey: 'storage-test', secretKey: 'storage-test-secret' };

/** A database with storage's schema, an embedded S3 with the buckets, and a settable clock. */
export interface StorageHarness {
  database: TestDatabase;
  s3: EmbeddedS3;
  objects: ObjectStorage;
  clock: { now: Date };
  /** Time as the embedded S3 sees it (null: real time). */
  s3Clock: { now: Date | null };
  deps(overrides?: Partial<CacheDependencies> & { policy?: CachePolicy }): CacheDependencies;
  /** Handles one message the way the consumer does: parsed from JSON, in its own transaction. */
  handle(message: Envelope, deps?: CacheDependencies, db?: AnyDatabase): Promise<Envelope[]>;
  /** Appends an event at the end of its stream, as its producer would. */
  appendAsProducer(event: Envelope): Promise<void>;
  readStream(streamId: string): Promise<RecordedEnvelope[]>;
  close(): Promise<void>;
}

export async function startStorageHarness(): Promise<StorageHarness> {
  const database = await createTestDatabase({ poolSize: 12 });
  await migrateEventStore(database.db);
  await migrateServiceSchema(database.db, storageSchema, migrations);
  const directory = await mkdtemp(join(tmpdir(), 'storage-s3-'));
  const s3Clock: { now: Date | null } = { now: null };
  const s3 = await startEmbeddedS3({
    directory,
    ...s3Credentials,
    now: () => s3Clock.now ?? new Date(),
  });
  const clock = { now: new Date('2030-01-01T00:00:00.000Z') };
  const objects = createObjectStorage({
    endpoint: s3.endpoint,
    ...s3Credentials,
    region: 'us-east-1',
    buckets: { media: 'storage-media', raw: 'storage-raw' },
    now: () => clock.now,
  });
  await objects.ensureBuckets();
  const store = createEventStore(database.db);

  const deps = (overrides: Partial<CacheDependencies> = {}): CacheDependencies => ({
    now: () => clock.now,
    policy: defaultPolicy,
    linkTtlSeconds: 3600,
    deletionGraceMs: 60 * 60_000,
    objects,
    ...overrides,
  });

  return {
    database,
    s3,
    objects,
    clock,
    s3Clock,
    deps,
    async handle(message, handlerDeps = deps(), db = database.db) {
      const parsed = registry.parse(JSON.parse(JSON.stringify(message)));
      return db.transaction().execute((trx) => handleStorageMessage(trx, handlerDeps, parsed));
    },
    async appendAsProducer(event) {
      const version = await store.streamVersion(event.streamId);
      await store.append(event.streamId, [event], { expectedVersion: version ?? 'no_stream' });
    },
    readStream: (streamId) => store.readStream(streamId),
    async close() {
      await s3.close();
      await rm(directory, { recursive: true, force: true });
      await database.drop();
    },
  };
}

export async function requestStatuses(db: AnyDatabase): Promise<Record<string, string>> {
  const { rows } = await sql<{ request_id: string; status: string }>`
    select request_id, status from storage.cache_requests`.execute(db);
  return Object.fromEntries(rows.map((row) => [row.request_id, row.status]));
}

export async function entryRow(db: AnyDatabase, cacheKey: string) {
  const { rows } = await sql<{
    status: string;
    hits: number;
    telegram_file_id: string | null;
    stream_version: string;
    media: { objectKey: string } | null;
    expires_at: Date | null;
  }>`select status, hits, telegram_file_id, stream_version::text as stream_version, media, expires_at
     from storage.cache_entries where cache_key = ${cacheKey}`.execute(db);
  return rows[0] ?? null;
}
