import { sql, type Kysely, type Transaction } from 'kysely';
import type { Migration } from 'kysely/migration';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the inbox lives in each service's own schema
type AnyDb = Kysely<any>;

function inboxTable(schema: string) {
  return sql.table(`${schema}.inbox`);
}

async function createInbox(db: AnyDb, schema: string): Promise<void> {
  await sql`create schema if not exists ${sql.id(schema)}`.execute(db);
  await sql`
    create table if not exists ${inboxTable(schema)} (
      consumer text not null,
      event_id uuid not null,
      event_type text not null,
      handled_at timestamptz not null default now(),
      primary key (consumer, event_id)
    )`.execute(db);
}

/** A kysely migration creating `<schema>.inbox`, for services that run their own Migrator. */
export function inboxMigration(schema: string): Migration {
  return { up: (db) => createInbox(db, schema) };
}

/** Creates `<schema>.inbox` if missing; safe when several processes start at once. */
export async function ensureInbox(db: AnyDb, schema: string): Promise<void> {
  try {
    await createInbox(db, schema);
  } catch (error) {
    // Concurrent `create ... if not exists` can still collide in the catalog.
    const code = (error as { code?: string }).code;
    if (code !== '23505' && code !== '42P06' && code !== '42P07') throw error;
  }
}

/**
 * Records that `consumer` handles `eventId`, inside the handler's transaction. False when it
 * was already recorded: the message is a duplicate and must change nothing.
 */
export async function claimInbox(
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- see AnyDb
  trx: Transaction<any>,
  schema: string,
  entry: { consumer: string; eventId: string; eventType: string },
): Promise<boolean> {
  const { rows } = await sql<{ event_id: string }>`
    insert into ${inboxTable(schema)} (consumer, event_id, event_type)
    values (${entry.consumer}, ${entry.eventId}::uuid, ${entry.eventType})
    on conflict (consumer, event_id) do nothing
    returning event_id`.execute(trx);
  return rows.length === 1;
}

/**
 * Records several messages at once; returns the event ids that were not recorded before (each
 * once, even when the same id is given twice).
 */
export async function claimInboxBatch(
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- see AnyDb
  trx: Transaction<any>,
  schema: string,
  consumer: string,
  entries: readonly { eventId: string; eventType: string }[],
): Promise<Set<string>> {
  const { rows } = await sql<{ event_id: string }>`
    insert into ${inboxTable(schema)} (consumer, event_id, event_type)
    select ${consumer}, entry.event_id, entry.event_type
    from unnest(${entries.map((entry) => entry.eventId)}::uuid[],
                ${entries.map((entry) => entry.eventType)}::text[]) as entry(event_id, event_type)
    on conflict (consumer, event_id) do nothing
    returning event_id`.execute(trx);
  return new Set(rows.map((row) => row.event_id));
}
