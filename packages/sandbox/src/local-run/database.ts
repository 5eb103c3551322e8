import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { migrateEventStore, type AnyDatabase } from '@mediabot/eventstore';

/** The database's name in a postgres:// URL. */
export function databaseNameOf(databaseUrl: string): string {
  const name = decodeURIComponent(new URL(databaseUrl).pathname.replace(/^\//, ''));
  if (!name) throw new Error(`DATABASE_URL names no database: ${redactUrl(databaseUrl)}`);
  return name;
}

/** A URL safe to print: the password is hidden. */
export function redactUrl(raw: string): string {
  try {
    const url = new URL(raw);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return '<not a URL>';
  }
}

const quoteIdentifier = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * Creates the database when it does not exist yet (connecting to the server's `postgres`
 * database to do so), then brings the event store's schema up to date. Services migrate their
 * own schemas when they start.
 */
export async function prepareDatabase(databaseUrl: string): Promise<{ created: boolean }> {
  const name = databaseNameOf(databaseUrl);
  const adminUrl = new URL(databaseUrl);
  adminUrl.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: adminUrl.toString() });
  let created = false;
  await admin.connect();
  try {
    const existing = await admin.query('select 1 from pg_database where datname = $1', [name]);
    if (existing.rowCount === 0) {
      try {
        await admin.query(`create database ${quoteIdentifier(name)}`);
        created = true;
      } catch (error) {
        // Someone else created it between our look and our CREATE: that is fine.
        if ((error as { code?: string }).code !== '42P04') throw error;
      }
    }
  } finally {
    await admin.end();
  }

  const pool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
  const db: AnyDatabase = new Kysely({ dialect: new PostgresDialect({ pool }) });
  try {
    await migrateEventStore(db);
  } finally {
    await db.destroy();
  }
  return { created };
}
