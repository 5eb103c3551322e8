import type { Transaction } from 'kysely';
import { UserRegistered, UserSettingsChanged, type RecordedEnvelope } from '@mediabot/contracts';
import type { AnyTransaction, ProjectionDefinition } from '@mediabot/eventstore';

/** One row per registered Telegram user: what the other identity use cases read. */
export interface UsersTable {
  telegram_user_id: string | number;
  username: string | null;
  first_name: string | null;
  language_code: string;
  default_quality: string;
  registered_via: string;
  registered_at: Date | string;
  updated_at: Date | string;
  last_global_position: string;
}

interface IdentityTables {
  users: UsersTable;
}

/** A user who never opened /settings is asked for the quality each time. */
const initialDefaultQuality = 'ask';

function usersIn(trx: AnyTransaction, schema: string) {
  return (trx as Transaction<IdentityTables>).withSchema(schema);
}

async function applyUserRegistered(
  trx: AnyTransaction,
  event: RecordedEnvelope,
  schema: string,
): Promise<void> {
  // Accepts v1 as well when the caller did not upcast through the registry.
  const data = UserRegistered.parseData(event.version, event.data);
  // An account is registered once: a replayed or repeated registration changes nothing.
  await usersIn(trx, schema)
    .insertInto('users')
    .values({
      telegram_user_id: data.telegramUserId,
      username: data.username,
      first_name: data.firstName,
      language_code: data.languageCode,
      default_quality: initialDefaultQuality,
      registered_via: data.registeredVia,
      registered_at: event.occurredAt,
      updated_at: event.occurredAt,
      last_global_position: event.globalPosition.toString(),
    })
    .onConflict((conflict) => conflict.column('telegram_user_id').doNothing())
    .execute();
}

async function applyUserSettingsChanged(
  trx: AnyTransaction,
  event: RecordedEnvelope,
  schema: string,
): Promise<void> {
  const data = UserSettingsChanged.parseData(event.version, event.data);
  await usersIn(trx, schema)
    .updateTable('users')
    .set({
      ...(data.languageCode === undefined ? {} : { language_code: data.languageCode }),
      ...(data.defaultQuality === undefined ? {} : { default_quality: data.defaultQuality }),
      updated_at: event.occurredAt,
      last_global_position: event.globalPosition.toString(),
    })
    .where('telegram_user_id', '=', data.telegramUserId)
    // An event at or before the row's last position was already applied: a replay.
    .where('last_global_position', '<', event.globalPosition.toString())
    .execute();
}

export const usersProjection: ProjectionDefinition = {
  name: 'identity.users',
  schema: 'identity',
  tables: ['users'],
  eventTypes: [UserRegistered.type, UserSettingsChanged.type],
  migrations: (schema) => ({
    '0001_users': {
      async up(db) {
        await db.schema
          .withSchema(schema)
          .createTable('users')
          .addColumn('telegram_user_id', 'bigint', (column) => column.primaryKey())
          .addColumn('username', 'text')
          .addColumn('first_name', 'text')
          .addColumn('language_code', 'text', (column) => column.notNull())
          .addColumn('default_quality', 'text', (column) => column.notNull())
          .addColumn('registered_via', 'text', (column) => column.notNull())
          .addColumn('registered_at', 'timestamptz', (column) => column.notNull())
          .addColumn('updated_at', 'timestamptz', (column) => column.notNull())
          .addColumn('last_global_position', 'bigint', (column) => column.notNull())
          .execute();
      },
    },
  }),
  async apply(trx, event, schema) {
    if (UserRegistered.is(event)) return applyUserRegistered(trx, event, schema);
    if (UserSettingsChanged.is(event)) return applyUserSettingsChanged(trx, event, schema);
  },
};
