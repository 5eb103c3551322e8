import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { createEventStore, type AnyDatabase, type EventStore } from '@mediabot/eventstore';
import { CliError } from './context.ts';

export type Database = AnyDatabase;

export interface OpenDatabase {
  db: Database;
  store: EventStore;
  /** For the LISTEN connection of `tail`. */
  url: string;
}

/** Opens a small pool for one command and always closes it, whatever the command does. */
export async function withDatabase<T>(
  url: string,
  work: (database: OpenDatabase) => Promise<T>,
): Promise<T> {
  const pool = new pg.Pool({ connectionString: url, max: 3 });
  pool.on('error', () => {});
  const db: Database = new Kysely({ dialect: new PostgresDialect({ pool }) });
  try {
    return await work({ db, store: createEventStore(db), url });
  } catch (error) {
    throw explainDatabaseError(error, url);
  } finally {
    await db.destroy();
  }
}

export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparsable database URL)';
  }
}

function explainDatabaseError(error: unknown, url: string): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === '3D000' || code === '28P01') {
    return new CliError(
      'database_unreachable',
      `Cannot use PostgreSQL at ${redactUrl(url)}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  if (code === '42P01' && /eventstore\./.test((error as Error).message)) {
    return new CliError(
      'no_event_store',
      `There is no event store in ${redactUrl(url)} (${(error as Error).message}).`,
      { cause: error },
    );
  }
  return error;
}
