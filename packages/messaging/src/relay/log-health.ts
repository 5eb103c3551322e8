import { sql, type Kysely } from 'kysely';
import { describeError } from '@mediabot/contracts';
import { sleep } from '../shared/abort.ts';
import { silentLogger, type MessagingLogger } from '../shared/logger.ts';

/** The oldest open transaction that holds readers of the log back. */
export interface OldestTransaction {
  seconds: number;
  pid: number;
  applicationName: string;
  state: string | undefined;
}

export interface LogHealth {
  /** Highest committed global position; 0 for an empty log. Not limited by the snapshot's xmin. */
  headPosition: bigint;
  oldestTransaction: OldestTransaction | undefined;
}

export interface LogHealthObserver {
  sampled(health: LogHealth): void;
}

export const silentLogHealthObserver: LogHealthObserver = { sampled: () => {} };

/**
 * One autocommit statement, so the sample never holds a transaction (or the xmin) itself.
 * Only sessions with a transaction id count: readers stop at `pg_snapshot_xmin(pg_current_snapshot())`,
 * the oldest running xid; a read-only transaction (backend_xmin only) holds back vacuum, not them.
 * Other roles' sessions are visible only with pg_read_all_stats (or superuser).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- reads the store's schema and the catalog
export async function sampleLogHealth(db: Kysely<any>): Promise<LogHealth> {
  const { rows } = await sql<{
    head: string | null;
    seconds: number | null;
    pid: number | null;
    application_name: string | null;
    state: string | null;
  }>`
    select (select max(global_position)::text from eventstore.events) as head,
           oldest.seconds, oldest.pid, oldest.application_name, oldest.state
    from (select) as one
    left join lateral (
      select extract(epoch from clock_timestamp() - xact_start)::float8 as seconds,
             pid, application_name, state
      from pg_stat_activity
      where backend_xid is not null and xact_start is not null and pid <> pg_backend_pid()
      order by xact_start
      limit 1
    ) as oldest on true`.execute(db);
  const row = rows[0];
  return {
    headPosition: BigInt(row?.head ?? 0),
    oldestTransaction:
      row?.seconds == null || row.pid == null
        ? undefined
        : {
            seconds: Math.max(0, row.seconds),
            pid: row.pid,
            applicationName: row.application_name ?? '',
            state: row.state ?? undefined,
          },
  };
}

export interface LogHealthSamplerOptions {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- reads the store's schema and the catalog
  db: Kysely<any>;
  /** Default 5000 ms. */
  intervalMs?: number;
  /** Log the oldest transaction at warn when it is older than this; default 30 s. */
  warnAfterSeconds?: number;
  /** At most one such warning per this many ms; default 60000. */
  warnEveryMs?: number;
  logger?: MessagingLogger;
  observer?: LogHealthObserver;
}

export interface LogHealthSampler {
  stop(): Promise<void>;
}

/** Samples the log's head and the oldest transaction until stopped; failures are logged, never thrown. */
export function startLogHealthSampler(options: LogHealthSamplerOptions): LogHealthSampler {
  const intervalMs = options.intervalMs ?? 5000;
  const warnAfterSeconds = options.warnAfterSeconds ?? 30;
  const warnEveryMs = options.warnEveryMs ?? 60_000;
  const logger = options.logger ?? silentLogger;
  const observer = options.observer ?? silentLogHealthObserver;
  const stopping = new AbortController();
  let lastWarnedAt = Number.NEGATIVE_INFINITY;

  const sampleOnce = async () => {
    try {
      const health = await sampleLogHealth(options.db);
      observer.sampled(health);
      const oldest = health.oldestTransaction;
      if (oldest && oldest.seconds > warnAfterSeconds && Date.now() - lastWarnedAt >= warnEveryMs) {
        lastWarnedAt = Date.now();
        logger.warn(
          {
            seconds: Math.round(oldest.seconds),
            pid: oldest.pid,
            applicationName: oldest.applicationName,
            state: oldest.state,
          },
          'A long transaction holds back the event relay and every subscription',
        );
      }
    } catch (error) {
      if (!stopping.signal.aborted)
        logger.warn({ error: describeError(error) }, 'Could not sample the event log');
    }
  };

  const running = (async () => {
    while (!stopping.signal.aborted) {
      await sampleOnce();
      await sleep(intervalMs, stopping.signal);
    }
  })();
  return {
    async stop() {
      stopping.abort();
      await running;
    },
  };
}
