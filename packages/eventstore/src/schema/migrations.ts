import type { AnyDatabase } from '../store/database.ts';
import { sql } from 'kysely';
import { Migrator, type Migration, type MigrationProvider } from 'kysely/migration';

export const eventStoreSchema = 'eventstore';
export const appendedChannel = 'eventstore_appended';

const migrations: Record<string, Migration> = {
  '0001_streams_and_events': {
    async up(db) {
      await sql`create schema if not exists eventstore`.execute(db);
      await sql`
        create table eventstore.streams (
          stream_id text primary key,
          version bigint not null check (version > 0),
          created_at timestamptz not null default now(),
          updated_at timestamptz not null default now()
        )`.execute(db);
      // transaction_id lets readers order by commit-safe (xid, position) and hide events of
      // transactions still in flight; see readAll.
      await sql`
        create table eventstore.events (
          global_position bigint generated always as identity primary key,
          transaction_id xid8 not null default pg_current_xact_id(),
          event_id uuid not null unique,
          stream_id text not null,
          stream_version bigint not null,
          type text not null,
          schema_version integer not null,
          data jsonb not null,
          metadata jsonb not null,
          occurred_at timestamptz not null,
          recorded_at timestamptz not null default now(),
          unique (stream_id, stream_version)
        )`.execute(db);
      await sql`create index events_log_order on eventstore.events (transaction_id, global_position)`.execute(
        db,
      );
      await sql`create index events_type on eventstore.events (type, global_position)`.execute(db);
    },
  },
  '0002_append_only': {
    async up(db) {
      await sql`
        create function eventstore.refuse_change() returns trigger language plpgsql as $$
        begin
          raise exception 'eventstore.events is append-only: % refused', tg_op
            using errcode = 'restrict_violation';
        end $$`.execute(db);
      await sql`
        create trigger events_are_immutable before update or delete on eventstore.events
        for each row execute function eventstore.refuse_change()`.execute(db);
      await sql`
        create trigger events_are_not_truncated before truncate on eventstore.events
        for each statement execute function eventstore.refuse_change()`.execute(db);
    },
  },
  '0003_notify_appended': {
    async up(db) {
      await sql`
        create function eventstore.notify_appended() returns trigger language plpgsql as $$
        begin
          perform pg_notify('eventstore_appended', '');
          return null;
        end $$`.execute(db);
      await sql`
        create trigger events_appended after insert on eventstore.events
        for each statement execute function eventstore.notify_appended()`.execute(db);
    },
  },
  // The trigger made every appending transaction take PostgreSQL's notification lock at commit,
  // which serialised concurrent appends. The store now notifies after commit (see append-notice).
  '0004_notify_after_commit': {
    async up(db) {
      await sql`drop trigger if exists events_appended on eventstore.events`.execute(db);
      await sql`drop function if exists eventstore.notify_appended()`.execute(db);
    },
  },
  // No query reads events by type (readers filter the log in order); the index only slowed appends.
  '0005_drop_unused_type_index': {
    async up(db) {
      await sql`drop index if exists eventstore.events_type`.execute(db);
    },
  },
};

const provider: MigrationProvider = { getMigrations: () => Promise.resolve(migrations) };

/** Creates or upgrades the event store's tables. Safe to run from several processes at once. */
export async function migrateEventStore(db: AnyDatabase): Promise<void> {
  await sql`create schema if not exists eventstore`.execute(db);
  const migrator = new Migrator({
    db,
    provider,
    migrationTableSchema: eventStoreSchema,
    migrationTableName: 'schema_migrations',
    migrationLockTableName: 'schema_migrations_lock',
  });
  const { error } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error('Migration failed', { cause: error });
}
