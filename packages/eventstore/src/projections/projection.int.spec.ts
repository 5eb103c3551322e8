import type { AnyDatabase } from '../store/database.ts';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registry } from '@mediabot/contracts';
import { createTestDatabase } from '@mediabot/testing';
import { migrateEventStore } from '../schema/migrations.ts';
import { createEventStore, type EventStore } from '../store/event-store.ts';
import { createCheckpointStore } from '../subscriptions/checkpoints.ts';
import { acquireSubscriptionLock } from '../subscriptions/lock.ts';
import { startSubscription } from '../subscriptions/subscription.ts';
import { userRegistered, usersByLanguage } from '../testing/fixtures.ts';
import { migrateProjection, startProjection } from './projection.ts';
import { rebuildProjection } from './rebuild.ts';

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let store: EventStore;

beforeAll(async () => {
  database = await createTestDatabase();
  await migrateEventStore(database.db);
  store = createEventStore(database.db);
  await migrateProjection(database.db, usersByLanguage);
});
afterAll(() => database.drop());

async function appendUsers(count: number, language: 'en' | 'fr' | 'es' | 'ru' = 'en') {
  let last = 0n;
  for (let i = 0; i < count; i++) {
    const event = userRegistered(language);
    last = (await store.append(event.streamId, [event], { expectedVersion: 'no_stream' }))
      .lastGlobalPosition;
  }
  return last;
}

async function tableContents(db: AnyDatabase, schema: string) {
  const users =
    await sql`select * from ${sql.table(`${schema}.users`)} order by telegram_user_id`.execute(db);
  const counts =
    await sql`select * from ${sql.table(`${schema}.language_counts`)} order by language`.execute(
      db,
    );
  return { users: users.rows, counts: counts.rows };
}

async function tableStructure(db: AnyDatabase, schema: string) {
  const { rows } = await sql`
    select table_name, column_name, data_type, is_nullable, ordinal_position from information_schema.columns
    where table_schema = ${schema} and table_name in ('users', 'language_counts') order by table_name, ordinal_position`.execute(
    db,
  );
  const { rows: indexes } = await sql`
    select tablename, replace(indexdef, ${schema + '.'}, '') as definition from pg_indexes
    where schemaname = ${schema} and tablename in ('users', 'language_counts') order by indexname`.execute(
    db,
  );
  return { columns: rows, indexes };
}

const checkpoints = createCheckpointStore(usersByLanguage.schema);

describe('subscriptions', () => {
  it('commits the projection and its checkpoint together; a failing handler moves neither', async () => {
    const failing = createCheckpointStore('test_failing');
    await failing.ensure(database.db);
    await sql`create table test_failing.seen (event_id uuid primary key)`.execute(database.db);
    const head = await appendUsers(3);
    const errors: unknown[] = [];
    const subscription = startSubscription({
      name: 'failing',
      db: database.db,
      connectionString: database.url,
      store,
      checkpoints: failing,
      pollIntervalMs: 50,
      async handle(trx, events) {
        for (const event of events)
          await sql`insert into test_failing.seen values (${event.eventId})`.execute(trx);
        throw new Error('projection bug');
      },
      onError: (error) => errors.push(error),
    });
    await expect.poll(() => errors.length, { timeout: 10_000 }).toBeGreaterThan(1);
    await subscription.stop();
    expect(
      (await sql`select count(*)::int as n from test_failing.seen`.execute(database.db)).rows,
    ).toEqual([{ n: 0 }]);
    expect(await failing.load(database.db, 'failing')).toEqual({
      transactionId: 0n,
      globalPosition: 0n,
    });
    expect(head).toBeGreaterThan(0n);
  });

  it('has one active instance per subscription, and another takes over when the holder stops or dies', async () => {
    const handledBy = { first: 0, second: 0, third: 0 };
    const singleActive = createCheckpointStore('test_single');
    await singleActive.ensure(database.db);
    const start = (who: keyof typeof handledBy) =>
      startSubscription({
        name: 'single-active',
        db: database.db,
        connectionString: database.url,
        store,
        checkpoints: singleActive,
        pollIntervalMs: 50,
        lockRetryMs: 50,
        handle: (_trx, events) => {
          handledBy[who] += events.length;
          return Promise.resolve();
        },
      });
    const first = start('first');
    await first.waitFor(await store.headPosition());
    const second = start('second');
    await first.waitFor(await appendUsers(5));
    expect(handledBy.second).toBe(0);

    await first.stop();
    await second.waitFor(await appendUsers(2));
    expect(handledBy.second).toBe(2);
    await second.stop();

    // A holder whose process dies: PostgreSQL ends its session and frees the lock.
    const holder = await acquireSubscriptionLock(database.url, 'single-active');
    const third = start('third');
    const pending = await appendUsers(3);
    expect(handledBy.third).toBe(0);
    await sql`select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'lock:single-active' and pid <> pg_backend_pid()`.execute(
      database.db,
    );
    await holder.lost;
    await third.waitFor(pending);
    expect(handledBy.third).toBe(3);
    await third.stop();
  });
});

describe('subscriptions and the xmin horizon', () => {
  it('handles an event held back by an older open transaction as soon as that ends, not at the next poll', async () => {
    const horizon = createCheckpointStore('test_horizon');
    await horizon.ensure(database.db);
    let handled = 0;
    const subscription = startSubscription({
      name: 'horizon',
      db: database.db,
      connectionString: database.url,
      store,
      checkpoints: horizon,
      pollIntervalMs: 60_000,
      handle: (_trx, events) => {
        handled += events.length;
        return Promise.resolve();
      },
    });
    const older = new pg.Client({ connectionString: database.url });
    try {
      await subscription.waitFor(await appendUsers(1));
      await older.connect();
      await older.query('begin');
      await older.query('select pg_current_xact_id()'); // an xid: it holds the horizon back
      const hidden = await appendUsers(1); // its wake-up comes while it is still hidden
      await new Promise((resolve) => setTimeout(resolve, 200));
      const handledBefore = handled;
      await older.query('commit');
      // Not waitFor(): it wakes the subscription itself. Nothing else may wake it here.
      for (let waited = 0; handled === handledBefore; waited += 20) {
        if (waited > 10_000) throw new Error('the event was not handled before the next poll');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await subscription.waitFor(hidden);
    } finally {
      await older.end();
      await subscription.stop();
    }
  });
});

describe('projections', () => {
  it('rebuilding from the log gives exactly the tables the live projection has, and the live one continues', async () => {
    const liveErrors: unknown[] = [];
    const live = startProjection({
      db: database.db,
      connectionString: database.url,
      store,
      projection: usersByLanguage,
      registry,
      pollIntervalMs: 50,
      onError: (error) => liveErrors.push(error),
    });
    await appendUsers(20, 'fr');
    const head = await appendUsers(15, 'ru');
    await live.waitFor(head);
    const liveContents = await tableContents(database.db, usersByLanguage.schema);
    const liveStructure = await tableStructure(database.db, usersByLanguage.schema);
    expect(liveContents.counts).toEqual(
      expect.arrayContaining([
        { language: 'fr', users: 20 },
        { language: 'ru', users: 15 },
      ]),
    );

    const progress: bigint[] = [];
    const result = await rebuildProjection({
      db: database.db,
      store,
      projection: usersByLanguage,
      registry,
      target: { schema: 'test_projection_replay' },
      batchSize: 7,
      onProgress: (p) => progress.push(p.position.globalPosition),
    });
    expect(progress.length).toBeGreaterThan(1);
    expect(await tableContents(database.db, result.schema)).toEqual(liveContents);
    expect(await tableStructure(database.db, result.schema)).toEqual(liveStructure);

    // Swap a rebuild in while the live subscription runs; it goes on from the rebuilt checkpoint.
    await rebuildProjection({
      db: database.db,
      store,
      projection: usersByLanguage,
      registry,
      target: 'swap',
    });
    const after = await appendUsers(3, 'es');
    await live.waitFor(after);
    const swapped = await tableContents(database.db, usersByLanguage.schema);
    expect(swapped.counts).toEqual(
      expect.arrayContaining([
        { language: 'es', users: 3 },
        { language: 'fr', users: 20 },
      ]),
    );
    expect(swapped.users).toHaveLength(liveContents.users.length + 3);
    expect(await checkpoints.load(database.db, usersByLanguage.name)).toMatchObject({
      globalPosition: after,
    });
    await live.stop();
    expect(liveErrors).toEqual([]);
  });

  it('rebuilds up to a given position', async () => {
    const upTo = 5n;
    const result = await rebuildProjection({
      db: database.db,
      store,
      projection: usersByLanguage,
      registry,
      upTo,
      target: { schema: 'test_projection_upto' },
    });
    const { users } = await tableContents(database.db, result.schema);
    expect(
      users.every((user) => BigInt((user as { global_position: string }).global_position) <= upTo),
    ).toBe(true);
    expect(result.position.globalPosition).toBeLessThanOrEqual(upTo);
  });
});
