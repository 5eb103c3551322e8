import { sql } from 'kysely';
import type { AnyDatabase } from './database.ts';
import { appendedChannel } from '../schema/migrations.ts';

/**
 * Wakes the log's readers (LISTEN on `appendedChannel`) after an append has committed.
 *
 * A transaction that calls NOTIFY takes one server-wide lock at commit, so notifying from every
 * append would serialise all appends' commits. Sent from a transaction of its own after the
 * append committed, one notice covers every append that finished before it: at most one is in
 * flight per database handle, and appends that land meanwhile ask for exactly one more.
 * A lost notice only delays readers until their next poll.
 */
export interface AppendNotice {
  send(): void;
  /** Resolves once no notice is in flight or owed (tests, shutdown). */
  settled(): Promise<void>;
}

const notices = new WeakMap<AnyDatabase, AppendNotice>();

/** The notice for a database handle, shared by every store opened on it. */
export function appendNoticeFor(db: AnyDatabase): AppendNotice {
  let notice = notices.get(db);
  if (!notice) {
    notice = createAppendNotice(() => sql`select pg_notify(${appendedChannel}, '')`.execute(db));
    notices.set(db, notice);
  }
  return notice;
}

export function createAppendNotice(notify: () => Promise<unknown>): AppendNotice {
  let inFlight: Promise<void> | undefined;
  let owed = false;

  const run = async (): Promise<void> => {
    do {
      owed = false;
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
