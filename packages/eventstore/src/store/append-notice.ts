import { sql } from 'kysely';
import type { AnyDatabase } from './database.ts';
import { appendedChannel } from '../schema/migrations.ts';

/**
 * Wakes the log's readers (LISTEN on `appendedChannel`) after an append has committed.
 *
 * A transaction that calls NOTIFY takes one server-wide lock at commit, so notifying from every
 * append would serialise all appends' commits. Sent from a transaction of its own after the
 * append committed, one notice covers every append that finished before it: at most one is in
 * flight per database handle, and appends that land meanwhile ask for exactly one more, sent
 * no sooner than `minIntervalMs` after the previous one, so a busy writer pays one notice per
 * interval rather than one per append (after a quiet spell the first goes at once). A lost notice only delays readers until their next poll.
 */
export interface AppendNotice {
  send(): void;
  /** Resolves once no notice is in flight or owed (tests). */
  settled(): Promise<void>;
}

const notices = new WeakMap<AnyDatabase, AppendNotice>();

/** The notice for a database handle, shared by every store opened on it. */
export function appendNoticeFor(db: AnyDatabase): AppendNotice {
  let notice = notices.get(db);
  if (!notice) {
    // A notifying transaction gets a transaction id and so a commit record; a wake-up needs no
    // durability, so its commit does not wait for the WAL flush.
    notice = createAppendNotice(() =>
      sql`select set_config('synchronous_commit', 'off', true), pg_notify(${appendedChannel}, '')`.execute(
        db,
      ),
    );
    notices.set(db, notice);
  }
  return notice;
}

export function createAppendNotice(
  notify: () => Promise<unknown>,
  options: { minIntervalMs?: number } = {},
): AppendNotice {
  const minIntervalMs = options.minIntervalMs ?? 5;
  let inFlight: Promise<void> | undefined;
  let lastSentAt = -Infinity;
  let owed = false;

  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  // One loop at a time: it waits out the interval since the last notice, sends one that covers
  // every send() made before it, and goes round again if more came meanwhile.
  const run = async (): Promise<void> => {
    do {
      const wait = lastSentAt + minIntervalMs - performance.now();
      if (wait > 0) await pause(wait);
      owed = false;
      lastSentAt = performance.now();
      await notify().catch(() => {
        // Readers poll as well; a notice that fails (pool closing, connection lost) only delays them.
      });
    } while (owed);
    inFlight = undefined;
  };

  return {
    send() {
      if (inFlight) owed = true;
      else inFlight = run();
    },
    async settled() {
      while (inFlight) await inFlight;
    },
  };
}
