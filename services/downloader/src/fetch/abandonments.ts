import { sql } from 'kysely';
import type { AnyDatabase, AnyTransaction } from '@mediabot/eventstore';
import type { FetchJobs } from './fetch-jobs.ts';

export async function recordAbandonment(
  db: AnyDatabase | AnyTransaction,
  abandonment: { eventId: string; cacheKey: string; abandonedAt: Date },
): Promise<void> {
  await sql`
    insert into downloader.fetch_abandonments (abandoned_event_id, cache_key, abandoned_at)
    values (${abandonment.eventId}::uuid, ${abandonment.cacheKey}, ${abandonment.abandonedAt})
    on conflict (abandoned_event_id) do nothing`.execute(db);
}

/** The latest abandonment of each cache key that has one. */
export async function latestAbandonments(
  db: AnyDatabase | AnyTransaction,
  cacheKeys: readonly string[],
): Promise<Map<string, Date>> {
  if (cacheKeys.length === 0) return new Map();
  const { rows } = await sql<{ cache_key: string; abandoned_at: Date }>`
    select cache_key, max(abandoned_at) as abandoned_at from downloader.fetch_abandonments
    where cache_key = any(${[...cacheKeys]}::text[])
    group by cache_key`.execute(db);
  return new Map(rows.map((row) => [row.cache_key, new Date(row.abandoned_at)]));
}

export interface AbandonmentWatch {
  stop(): void;
}

/**
 * The fetch-abandoned message reaches one downloader instance, maybe not the one running the
 * fetch. Each instance therefore looks at the recorded abandonments of its running fetches every
 * `intervalMs` and cancels those that were given up (only while it runs any).
 */
export function watchAbandonments(options: {
  db: AnyDatabase;
  jobs: FetchJobs;
  intervalMs: number;
  onError: (error: unknown) => void;
}): AbandonmentWatch {
  let checking = false;
  const timer = setInterval(() => {
    const running = options.jobs.running();
    if (checking || running.length === 0) return;
    checking = true;
    void latestAbandonments(
      options.db,
      running.map((job) => job.cacheKey),
    )
      .then((latest) => {
        for (const [cacheKey, abandonedAt] of latest) options.jobs.cancel(cacheKey, abandonedAt);
      })
      .catch(options.onError)
      .finally(() => {
        checking = false;
      });
  }, options.intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
