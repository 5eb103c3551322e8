import { sql } from 'kysely';
import type { AnyDatabase } from '@mediabot/eventstore';
import type { MediaBucket } from '@mediabot/contracts';
import type { ObjectStorage } from '@mediabot/object-storage';
import {
  expiresAt,
  storedMediaOf,
  type CachePolicy,
  type StoredMediaRow,
} from '../cache/cache-entry.ts';
import { scheduleDeletions } from '../cache/cache-store.ts';
import { storageSchema } from '../migrations.ts';

export interface CleanupDependencies {
  db: AnyDatabase;
  objects: Pick<ObjectStorage, 'remove' | 'removeOlderThan'>;
  policy: CachePolicy;
  now: () => Date;
  /**
   * Raw downloads older than this are deleted (the transcoder is long done with them), except
   * those an entry serves as its media: they go when their entry does.
   */
  rawObjectTtlMs: number;
  /** An expired entry's object stays this long more (a notifier may be uploading it). */
  deletionGraceMs: number;
  batchSize?: number;
}

export interface CleanupReport {
  expiredEntries: number;
  deletedObjects: number;
  deletedRawObjects: number;
}

const table = (name: string) => sql.table(`${storageSchema}.${name}`);

/**
 * Expired entries (nothing fetching, nobody waiting) are emptied: the projection forgets their
 * media, file id, hits and finished requests, and their objects are scheduled for deletion.
 * The row itself stays with its stream version, so the next request for that media reads only
 * what its stream gains from then on.
 */
async function expireEntries(deps: CleanupDependencies, limit: number): Promise<number> {
  const now = deps.now();
  return deps.db.transaction().execute(async (trx) => {
    const { rows } = await sql<{
      cache_key: string;
      media: StoredMediaRow;
      hits: number;
      links_valid_until: Date | null;
    }>`
      select cache_key, media, hits, links_valid_until from ${table('cache_entries')} entry
      where expires_at <= ${now} and media is not null and status <> 'fetching'
        and not exists (select 1 from ${table('cache_requests')} request
                        where request.cache_key = entry.cache_key and request.status = 'waiting')
      order by expires_at
      limit ${limit}
      for update skip locked`.execute(trx);
    let expired = 0;
    for (const row of rows) {
      const media = storedMediaOf(row.media);
      if (media === null) continue;
      // The policy may have changed since the row was written: judge by the current one.
      const expiry = expiresAt({ media, hits: row.hits }, deps.policy);
      if (expiry === null || expiry.getTime() > now.getTime()) continue;
      const notBefore = Math.max(
        now.getTime() + deps.deletionGraceMs,
        row.links_valid_until?.getTime() ?? 0,
      );
      await scheduleDeletions(trx, [media], new Date(notBefore));
      await sql`
        update ${table('cache_entries')} set status = 'empty', fetch_id = null, fetch_started_at = null,
          media = null,
          telegram_file_id = null, hits = 0, links_valid_until = null, expires_at = null,
          updated_at = now()
        where cache_key = ${row.cache_key}`.execute(trx);
      await sql`delete from ${table('cache_requests')}
                where cache_key = ${row.cache_key} and status <> 'waiting'`.execute(trx);
      expired += 1;
    }
    return expired;
  });
}

/** Deletes due objects from S3, never one an entry uses again (same bucket, same key). */
async function deleteDueObjects(deps: CleanupDependencies, limit: number): Promise<number> {
  const { rows } = await sql<{ bucket: MediaBucket; object_key: string; in_use: boolean }>`
    select deletion.bucket, deletion.object_key,
           exists (select 1 from ${table('cache_entries')} entry
                   where entry.media->>'objectKey' = deletion.object_key
                     and coalesce(entry.media->>'bucket', 'media') = deletion.bucket)
           or (deletion.bucket = 'media'
               and exists (select 1 from ${table('cache_entries')} entry
                           where entry.media->>'thumbnailObjectKey' = deletion.object_key)) as in_use
    from ${table('object_deletions')} deletion
    where deletion.not_before <= ${deps.now()}
    order by deletion.not_before
    limit ${limit}`.execute(deps.db);
  let deleted = 0;
  for (const row of rows) {
    if (!row.in_use) {
      await deps.objects.remove(row.bucket, row.object_key);
      deleted += 1;
    }
    await sql`delete from ${table('object_deletions')}
              where bucket = ${row.bucket} and object_key = ${row.object_key}`.execute(deps.db);
  }
  return deleted;
}

export async function runCleanup(deps: CleanupDependencies): Promise<CleanupReport> {
  const batchSize = deps.batchSize ?? 200;
  let expiredEntries = 0;
  for (;;) {
    const expired = await expireEntries(deps, batchSize);
    expiredEntries += expired;
    if (expired < batchSize) break;
  }
  let deletedObjects = 0;
  for (;;) {
    const before = deletedObjects;
    deletedObjects += await deleteDueObjects(deps, batchSize);
    const { rows } = await sql<{ due: boolean }>`
      select exists (select 1 from ${table('object_deletions')} where not_before <= ${deps.now()}) as due`.execute(
      deps.db,
    );
    if (!rows[0]?.due || deletedObjects === before) break;
  }
  const cutoff = new Date(deps.now().getTime() - deps.rawObjectTtlMs);
  const { removed } = await deps.objects.removeOlderThan('raw', cutoff, {
    keep: (keys) => rawObjectsToKeep(deps.db, keys),
  });
  return { expiredEntries, deletedObjects, deletedRawObjects: removed };
}

/**
 * Of these old raw objects, those the raw sweep must leave: an entry's media (a download
 * delivered as it was fetched), or one already scheduled for deletion (it goes when due, after
 * the grace an upload may need). One indexed query per batch of keys.
 */
async function rawObjectsToKeep(
  db: AnyDatabase,
  keys: readonly string[],
): Promise<ReadonlySet<string>> {
  // `= any(…)` lets the planner probe the object-key index once per key (an EXISTS per key
  // becomes a hashed scan of every raw entry).
  const { rows } = await sql<{ key: string }>`
    select entry.media->>'objectKey' as key from ${table('cache_entries')} entry
    where entry.media->>'objectKey' = any(${[...keys]}::text[]) and entry.media->>'bucket' = 'raw'
    union
    select deletion.object_key from ${table('object_deletions')} deletion
    where deletion.bucket = 'raw' and deletion.object_key = any(${[...keys]}::text[])`.execute(db);
  return new Set(rows.map((row) => row.key));
}

/**
 * Runs `work` only where this process holds the cleanup lock (a session advisory lock on one
 * pooled connection); elsewhere it returns null at once. One replica cleans at a time.
 */
export async function withCleanupLock<T>(
  db: AnyDatabase,
  work: () => Promise<T>,
): Promise<T | null> {
  return db.connection().execute(async (connection) => {
    const key = sql`hashtextextended('storage:cleanup', 0)`;
    const { rows } = await sql<{
      acquired: boolean;
    }>`select pg_try_advisory_lock(${key}) as acquired`.execute(connection);
    if (!rows[0]?.acquired) return null;
    try {
      return await work();
    } finally {
      await sql`select pg_advisory_unlock(${key})`.execute(connection);
    }
  });
}

export interface CleanupSchedule {
  /** Stops the timer and waits for a run in progress. */
  stop(): Promise<void>;
}

export function scheduleCleanup(options: {
  db: AnyDatabase;
  intervalMs: number;
  run: () => Promise<CleanupReport>;
  onReport: (report: CleanupReport) => void;
  onError: (error: unknown) => void;
}): CleanupSchedule {
  let running: Promise<void> | null = null;
  const tick = () => {
    if (running) return;
    running = withCleanupLock(options.db, options.run)
      .then((report) => {
        if (report) options.onReport(report);
      })
      .catch(options.onError)
      .finally(() => {
        running = null;
      });
  };
  const timer = setInterval(tick, options.intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
