import { setTimeout as delay } from 'node:timers/promises';
import pg from 'pg';

/**
 * Samples what a database's active sessions are waiting on (pg_stat_activity every 10 ms):
 * the cheapest "where does the time go" when pg_stat_statements is not preloaded.
 */
export async function sampleWaits(
  connectionString: string,
): Promise<{ stop(): Promise<Map<string, number>> }> {
  const client = new pg.Client({ connectionString, application_name: 'bench-wait-sampler' });
  await client.connect();
  const counts = new Map<string, number>();
  let running = true;
  const loop = (async () => {
    while (running) {
      const { rows } = await client.query<{ wait: string }>(
        `select coalesce(wait_event_type || ':' || wait_event, 'CPU') as wait from pg_stat_activity
         where datname = current_database() and state = 'active' and backend_type = 'client backend'
           and pid <> pg_backend_pid() and application_name not like 'bench%'`,
      );
      for (const { wait } of rows) counts.set(wait, (counts.get(wait) ?? 0) + 1);
      await delay(10);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      await client.end();
      return counts;
    },
  };
}

/** "Lock:object 81%, IO:WALSync 9%": the top waits by share of samples. */
export function topWaits(counts: Map<string, number>, top = 3): string {
  const total = [...counts.values()].reduce((sum, n) => sum + n, 0);
  if (total === 0) return '–';
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([wait, n]) => `${wait} ${Math.round((n / total) * 100)}%`)
    .join(', ');
}

/**
 * The oldest transaction holding a transaction id anywhere on the server, sampled every 50 ms.
 * readAll only returns events of transactions below the snapshot's xmin, so one long
 * transaction in any database holds back the relay (and every subscription) until it ends.
 */
export async function sampleOldestTransaction(
  connectionString: string,
): Promise<{ stop(): Promise<{ maxAgeMs: number; holder: string }> }> {
  const client = new pg.Client({ connectionString, application_name: 'bench-xmin-sampler' });
  await client.connect();
  let maxAgeMs = 0;
  let holder = '–';
  let running = true;
  const loop = (async () => {
    while (running) {
      const { rows } = await client.query<{ age_ms: number; holder: string }>(
        `select extract(epoch from clock_timestamp() - xact_start) * 1000 as age_ms,
                coalesce(datname, '?') || ' (' || coalesce(application_name, '') || ')' as holder
         from pg_stat_activity where backend_xid is not null and pid <> pg_backend_pid()
         order by xact_start limit 1`,
      );
      const oldest = rows[0];
      if (oldest && Number(oldest.age_ms) > maxAgeMs) {
        maxAgeMs = Number(oldest.age_ms);
        holder = oldest.holder;
      }
      await delay(50);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      await client.end();
      return { maxAgeMs, holder };
    },
  };
}
