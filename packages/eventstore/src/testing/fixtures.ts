import { sql } from 'kysely';
import { UserRegistered, type Envelope } from '@mediabot/contracts';
import type { ProjectionDefinition } from '../projections/projection.ts';

let nextUserId = 1;

export function userRegistered(
  languageCode: 'en' | 'fr' | 'es' | 'ru' = 'en',
  telegramUserId = nextUserId++,
): Envelope {
  return UserRegistered.create(
    {
      telegramUserId,
      username: `user${telegramUserId}`,
      firstName: null,
      languageCode,
      registeredVia: 'start-command',
    },
    { streamId: `user-${telegramUserId}`, actor: { kind: 'user', id: String(telegramUserId) } },
  );
}

/** A small projection used to exercise subscriptions and rebuilds: users per language. */
export const usersByLanguage: ProjectionDefinition = {
  name: 'test.users-by-language',
  schema: 'test_projection',
  tables: ['users', 'language_counts'],
  eventTypes: [UserRegistered.type],
  migrations: (schema) => ({
    '0001_tables': {
      async up(db) {
        await sql`create table ${sql.table(`${schema}.users`)} (
          telegram_user_id bigint primary key, language text not null, global_position bigint not null)`.execute(
          db,
        );
        await sql`create index on ${sql.table(`${schema}.users`)} (language)`.execute(db);
        await sql`create table ${sql.table(`${schema}.language_counts`)} (
          language text primary key, users integer not null)`.execute(db);
      },
    },
  }),
  async apply(trx, event, schema) {
    const data = UserRegistered.parseData(event.version, event.data);
    await sql`insert into ${sql.table(`${schema}.users`)} values (${data.telegramUserId}, ${data.languageCode}, ${event.globalPosition.toString()})`.execute(
      trx,
    );
    await sql`insert into ${sql.table(`${schema}.language_counts`)} values (${data.languageCode}, 1)
      on conflict (language) do update set users = ${sql.table(`${schema}.language_counts`)}.users + 1`.execute(
      trx,
    );
  },
};
