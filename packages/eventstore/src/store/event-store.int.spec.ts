import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { createTestDatabase } from '@mediabot/testing';
import { listenForAppends } from '../subscriptions/listen.ts';
import { migrateEventStore } from '../schema/migrations.ts';
import { userRegistered } from '../testing/fixtures.ts';
import { createEventStore, type EventStore } from './event-store.ts';
import { EventStoreError } from './errors.ts';
import { logStart } from './position.ts';

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let store: EventStore;

beforeAll(async () => {
  database = await createTestDatabase();
  await migrateEventStore(database.db);
  store = createEventStore(database.db);
});
afterAll(() => database.drop());

async function errorOf(promise: Promise<unknown>): Promise<EventStoreError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(EventStoreError);
    return error as EventStoreError;
  }
  throw new Error('expected a rejection');
}

describe('append', () => {
  it('appends with contiguous stream versions and reads the stream back in order', async () => {
    const stream = 'user-append-1';
    const first = await store.append(stream, [userRegistered(), userRegistered()], {
      expectedVersion: 'no_stream',
    });
    expect(first).toMatchObject({ nextExpectedVersion: 2n, alreadyAppended: false });
    const second = await store.append(stream, [userRegistered()], { expectedVersion: 2n });
    expect(second.nextExpectedVersion).toBe(3n);
    const events = await store.readStream(stream);
    expect(events.map((event) => event.streamVersion)).toEqual([1n, 2n, 3n]);
    expect(await store.streamVersion(stream)).toBe(3n);
  });

  it('refuses a wrong expected version and a second "no stream" append, typed and not retryable', async () => {
    const stream = 'user-append-2';
    await store.append(stream, [userRegistered()], { expectedVersion: 'no_stream' });
    const stale = await errorOf(store.append(stream, [userRegistered()], { expectedVersion: 5n }));
    expect(stale).toMatchObject({ code: 'wrong_expected_version', retryable: false });
    const again = await errorOf(
      store.append(stream, [userRegistered()], { expectedVersion: 'no_stream' }),
    );
    expect(again.code).toBe('wrong_expected_version');
    expect(await store.streamVersion(stream)).toBe(1n);
  });

  it('recognises a retried append of the same event ids as already appended', async () => {
    const stream = 'user-append-3';
    const events = [userRegistered(), userRegistered()];
    const first = await store.append(stream, events, { expectedVersion: 'no_stream' });
    const retried = await store.append(stream, events, { expectedVersion: 'no_stream' });
    expect(retried).toEqual({ ...first, alreadyAppended: true });
    expect(await store.readStream(stream)).toHaveLength(2);
  });

  it('lets exactly one of N concurrent appends with the same expected version win, burning no position', async () => {
    const stream = 'user-race';
    // The append's own position, not headPosition(): the head hides whatever the cluster's
    // oldest open transaction holds back, and other test files run beside this one.
    const { lastGlobalPosition: headBefore } = await store.append(stream, [userRegistered()], {
      expectedVersion: 'no_stream',
    });
    const results = await Promise.allSettled(
      Array.from({ length: 12 }, () =>
        store.append(stream, [userRegistered(), userRegistered()], { expectedVersion: 1n }),
      ),
    );
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    for (const result of results) {
      if (result.status === 'rejected')
        expect((result.reason as EventStoreError).code).toBe('wrong_expected_version');
    }
    const events = await store.readStream(stream);
    expect(events.map((event) => event.streamVersion)).toEqual([1n, 2n, 3n]);
    const appended = await store.append('user-race-next', [userRegistered()], {
      expectedVersion: 'no_stream',
    });
    // The winner took two positions; the eleven losers took none.
    expect(appended.lastGlobalPosition).toBe(headBefore + 3n);
  });
});

describe('append-only', () => {
  it.each([
    ['update', sql`update eventstore.events set type = 'x'`],
    ['delete', sql`delete from eventstore.events`],
    ['truncate', sql`truncate eventstore.events`],
  ])('refuses %s at the database level', async (_name, statement) => {
    await store.append(`user-immutable-${_name}`, [userRegistered()], {
      expectedVersion: 'no_stream',
    });
    await expect(statement.execute(database.db)).rejects.toThrow(/append-only/);
  });
});

describe('readAll', () => {
  async function readEverything(after = logStart) {
    const events = [];
    let position = after;
    for (;;) {
      const batch = await store.readAll({ after: position, limit: 100 });
      if (batch.length === 0) return events;
      events.push(...batch);
      const last = batch[batch.length - 1]!;
      position = { transactionId: last.transactionId, globalPosition: last.globalPosition };
    }
  }

  /** Runs `work` inside a transaction that stays open until the returned `finish` is called. */
  async function openTransaction(work: (trx: EventStore) => Promise<void>) {
    let finish!: (outcome: 'commit' | 'rollback') => void;
    const decided = new Promise<'commit' | 'rollback'>((resolve) => (finish = resolve));
    let ready!: () => void;
    const worked = new Promise<void>((resolve) => (ready = resolve));
    const done = database.db
      .transaction()
      .execute(async (trx) => {
        await work(createEventStore(trx));
        ready();
        if ((await decided) === 'rollback') throw new Error('rolled back on purpose');
      })
      .catch((error: Error) => {
        if (error.message !== 'rolled back on purpose') throw error;
      });
    await worked;
    return async (outcome: 'commit' | 'rollback') => {
      finish(outcome);
      await done;
    };
  }

  /**
   * The global log hides everything at or above the oldest transaction still open anywhere in the
   * cluster (other test files run beside this one), so reads that expect something wait for it.
   */
  async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const value = await read();
      if (done(value) || Date.now() > deadline) return value;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  /** The log position of a freshly appended marker, once everything before it is visible. */
  async function settledPosition() {
    const marker = userRegistered();
    const { lastGlobalPosition } = await store.append(marker.streamId, [marker], {
      expectedVersion: 'no_stream',
    });
    const events = await eventually(
      () => readEverything(),
      (read) => read.some((event) => event.globalPosition === lastGlobalPosition),
    );
    const last = events.find((event) => event.globalPosition === lastGlobalPosition)!;
    return { transactionId: last.transactionId, globalPosition: last.globalPosition };
  }

  it('does not skip a slow transaction that began first and commits last: readers wait for it', async () => {
    const after = await settledPosition();
    const slowEvent = userRegistered();
    const finishSlow = await openTransaction((slow) =>
      slow.append('user-slow', [slowEvent], { expectedVersion: 'no_stream' }).then(() => {}),
    );
    const fastEvent = userRegistered();
    await store.append('user-fast', [fastEvent], { expectedVersion: 'no_stream' });
    // The fast event is committed, but the slow one (lower position) is not: readers see neither yet.
    expect(await readEverything(after)).toEqual([]);
    await finishSlow('commit');
    const seen = await eventually(
      () => readEverything(after),
      (events) => events.length >= 2,
    );
    expect(seen.map((event) => event.eventId)).toEqual([slowEvent.eventId, fastEvent.eventId]);
  });

  it('is not stalled by a rolled-back append', async () => {
    const after = await settledPosition();
    const finishDoomed = await openTransaction((doomed) =>
      doomed
        .append('user-doomed', [userRegistered()], { expectedVersion: 'no_stream' })
        .then(() => {}),
    );
    const survivor = userRegistered();
    await store.append('user-survivor', [survivor], { expectedVersion: 'no_stream' });
    await finishDoomed('rollback');
    const seen = await eventually(
      () => readEverything(after),
      (events) => events.length >= 1,
    );
    expect(seen.map((event) => event.eventId)).toEqual([survivor.eventId]);
    expect(await store.streamVersion('user-doomed')).toBeNull();
  });

  it('orders by transaction id as a number, not as text (9 before 10)', async () => {
    const insert = (xid: string, streamId: string) =>
      sql`
      insert into eventstore.events (transaction_id, event_id, stream_id, stream_version, type, schema_version, data, metadata, occurred_at)
      values (${xid}::xid8, gen_random_uuid(), ${streamId}, 1, 'test.ordered', 1, '{}',
              '{"correlationId":"01a20b45-c474-73ab-b62e-e8a25ea048d8","causationId":null,"actor":{"kind":"system","id":"t"},"traceContext":{}}',
              now())`.execute(database.db);
    await insert('10', 'order-ten');
    await insert('9', 'order-nine');
    const [first, second] = await store.readAll({ after: logStart, limit: 2 });
    expect([first?.transactionId, second?.transactionId]).toEqual([9n, 10n]);
    const [next] = await store.readAll({
      after: { transactionId: 9n, globalPosition: first!.globalPosition },
      limit: 1,
    });
    expect(next?.streamId).toBe('order-ten');
  });

  it('stops at upTo and returns envelopes with their metadata', async () => {
    const [first] = await eventually(
      () => store.readAll({ after: logStart, limit: 10, upTo: 1n }),
      (events) => events.length > 0,
    );
    expect(first?.globalPosition).toBe(1n);
    expect(first?.actor.kind).toBe('user');
    expect(await store.readAll({ after: logStart, limit: 10, upTo: 1n })).toHaveLength(1);
  });
});

describe('waking readers', () => {
  /** Counts notifications on the appended channel, from a LISTEN connection of its own. */
  async function countWakeUps() {
    let count = 0;
    const listener = await listenForAppends(database.url, () => (count += 1));
    const connected = count;
    return {
      // Wake-ups since the listener connected (it calls once on connect).
      get count() {
        return count - connected;
      },
      close: () => listener.close(),
    };
  }

  async function until(condition: () => boolean): Promise<void> {
    for (let waited = 0; !condition(); waited += 10) {
      if (waited > 5000) throw new Error('timed out');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  it('notifies listeners after a standalone append commits', async () => {
    const wakeUps = await countWakeUps();
    try {
      await store.append('user-wake-1', [userRegistered()], { expectedVersion: 'no_stream' });
      await until(() => wakeUps.count >= 1);
    } finally {
      await wakeUps.close();
    }
  });

  it('has no trigger left that makes every appending transaction notify at commit', async () => {
    const { rows } = await sql<{ tgname: string }>`
      select tgname from pg_trigger where tgrelid = 'eventstore.events'::regclass and not tgisinternal`.execute(
      database.db,
    );
    expect(rows.map((row) => row.tgname).sort()).toEqual([
      'events_are_immutable',
      'events_are_not_truncated',
    ]);
  });

  it("notifies an append made in a caller's transaction at that commit, and not on rollback", async () => {
    const wakeUps = await countWakeUps();
    try {
      await database.db
        .transaction()
        .execute(async (trx) => {
          await createEventStore(trx).append('user-wake-2', [userRegistered()], {
            expectedVersion: 'no_stream',
          });
          throw new Error('roll back');
        })
        .catch(() => {});
      // A marker notification shows the listener is caught up: nothing came before it.
      await sql`select pg_notify('eventstore_appended', '')`.execute(database.db);
      await until(() => wakeUps.count >= 1);
      expect(wakeUps.count).toBe(1);

      await database.db.transaction().execute(async (trx) => {
        await createEventStore(trx).append('user-wake-3', [userRegistered()], {
          expectedVersion: 'no_stream',
        });
        await new Promise((resolve) => setTimeout(resolve, 100));
        expect(wakeUps.count).toBe(1);
      });
      await until(() => wakeUps.count >= 2);
    } finally {
      await wakeUps.close();
    }
  });
});

describe('hasEventsBeyondHorizon', () => {
  it('is true while a committed event waits behind an older open transaction, and false after', async () => {
    const older = new pg.Client({ connectionString: database.url });
    await older.connect();
    try {
      await older.query('begin');
      await older.query('select pg_current_xact_id()');
      await store.append('user-horizon-1', [userRegistered()], { expectedVersion: 'no_stream' });
      expect(await store.hasEventsBeyondHorizon()).toBe(true);
      await older.query('commit');
    } finally {
      await older.end();
    }
    // Other test files' transactions may hold the horizon for a moment too: wait them out.
    for (let waited = 0; await store.hasEventsBeyondHorizon(); waited += 20) {
      if (waited > 30_000) throw new Error('the horizon never passed the event');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const events = await store.readStream('user-horizon-1');
    expect(events).toHaveLength(1);
  });
});
