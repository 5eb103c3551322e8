import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  envelope,
  registry,
  UserRegistered,
  UserSettingsChanged,
  type Envelope,
} from '@mediabot/contracts';
import {
  createEventStore,
  migrateEventStore,
  migrateProjection,
  rebuildProjection,
  startProjection,
  type AnyDatabase,
  type EventStore,
} from '@mediabot/eventstore';
import { createTestDatabase, type TestDatabase } from '@mediabot/testing';
import { usersProjection } from './users.projection.ts';

let database: TestDatabase;
let store: EventStore;

beforeAll(async () => {
  database = await createTestDatabase();
  await migrateEventStore(database.db);
  await migrateProjection(database.db, usersProjection);
  store = createEventStore(database.db);
});
afterAll(() => database.drop());

const actor = (telegramUserId: number) => ({ kind: 'user' as const, id: String(telegramUserId) });
const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 12, minute));

function registeredV1(telegramUserId: number, language: string | null): Envelope {
  return envelope(
    {
      type: UserRegistered.type,
      version: 1,
      data: { telegramUserId, username: null, language },
    },
    { streamId: `user-${telegramUserId}`, actor: actor(telegramUserId), occurredAt: at(1) },
  );
}

function registered(telegramUserId: number, username: string): Envelope {
  return UserRegistered.create(
    {
      telegramUserId,
      username,
      firstName: username.toUpperCase(),
      languageCode: 'en',
      registeredVia: 'first-message',
    },
    { streamId: `user-${telegramUserId}`, actor: actor(telegramUserId), occurredAt: at(2) },
  );
}

function settingsChanged(
  telegramUserId: number,
  change: { languageCode?: 'en' | 'fr' | 'es' | 'ru'; defaultQuality?: '720p' | 'audio-mp3' },
  minute: number,
): Envelope {
  return UserSettingsChanged.create(
    { telegramUserId, ...change },
    { streamId: `user-${telegramUserId}`, actor: actor(telegramUserId), occurredAt: at(minute) },
  );
}

async function usersTable(db: AnyDatabase, schema: string) {
  const { rows } =
    await sql`select * from ${sql.table(`${schema}.users`)} order by telegram_user_id`.execute(db);
  return rows;
}

async function usersTableStructure(db: AnyDatabase, schema: string) {
  const { rows: columns } = await sql`
    select column_name, data_type, is_nullable, column_default, ordinal_position
    from information_schema.columns
    where table_schema = ${schema} and table_name = 'users' order by ordinal_position`.execute(db);
  const { rows: indexes } = await sql`
    select indexname, replace(indexdef, ${schema + '.'}, '') as definition from pg_indexes
    where schemaname = ${schema} and tablename = 'users' order by indexname`.execute(db);
  return { columns, indexes };
}

describe('identity.users', () => {
  it('builds the same table live and from a rebuild, with v1 registrations upcast', async () => {
    const live = startProjection({
      db: database.db,
      connectionString: database.url,
      store,
      projection: usersProjection,
      registry,
      pollIntervalMs: 50,
    });
    await store.append('user-1', [registeredV1(1, 'fr-FR')], { expectedVersion: 'no_stream' });
    await store.append(
      'user-2',
      [registered(2, 'bob'), settingsChanged(2, { defaultQuality: '720p' }, 3)],
      { expectedVersion: 'no_stream' },
    );
    await store.append('user-1', [settingsChanged(1, { languageCode: 'ru' }, 4)], {
      expectedVersion: 1n,
    });
    const { lastGlobalPosition: head } = await store.append(
      'user-2',
      [settingsChanged(2, { languageCode: 'es', defaultQuality: 'audio-mp3' }, 5)],
      { expectedVersion: 2n },
    );
    await live.waitFor(head);
    await live.stop();

    const liveUsers = await usersTable(database.db, 'identity');
    expect(liveUsers).toEqual([
      {
        telegram_user_id: '1',
        username: null,
        first_name: null,
        language_code: 'ru',
        default_quality: 'ask',
        registered_via: 'start-command',
        registered_at: at(1),
        updated_at: at(4),
        last_global_position: '4',
      },
      {
        telegram_user_id: '2',
        username: 'bob',
        first_name: 'BOB',
        language_code: 'es',
        default_quality: 'audio-mp3',
        registered_via: 'first-message',
        registered_at: at(2),
        updated_at: at(5),
        last_global_position: head.toString(),
      },
    ]);

    const rebuilt = await rebuildProjection({
      db: database.db,
      store,
      projection: usersProjection,
      registry,
      target: { schema: 'identity_replay' },
      batchSize: 2,
    });
    expect(await usersTable(database.db, rebuilt.schema)).toEqual(liveUsers);
    expect(await usersTableStructure(database.db, rebuilt.schema)).toEqual(
      await usersTableStructure(database.db, 'identity'),
    );
  });

  it('applying events again leaves the rows as they were', async () => {
    const before = await usersTable(database.db, 'identity');
    const events = await store.readAll({
      after: { transactionId: 0n, globalPosition: 0n },
      limit: 100,
    });
    await database.db.transaction().execute(async (trx) => {
      for (const event of events) await usersProjection.apply(trx, event, 'identity');
      // The oldest settings change once more, after the newest: still nothing changes.
      await usersProjection.apply(trx, events[2]!, 'identity');
    });
    expect(await usersTable(database.db, 'identity')).toEqual(before);
  });
});
