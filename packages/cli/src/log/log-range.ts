import { sql } from 'kysely';
import { logStart, type LogPosition } from '@mediabot/eventstore';
import type { Database } from '../database.ts';

/**
 * The log is read in (transaction id, global position) order, so "from position N" cannot be a
 * single LogPosition: this returns a place before every event at or above N (and before any
 * transaction still in flight); callers then skip events below N.
 */
export async function positionBefore(db: Database, globalPosition: bigint): Promise<LogPosition> {
  const { rows } = await sql<{ transaction_id: string | null }>`
    select least(min(transaction_id), pg_snapshot_xmin(pg_current_snapshot()))::text as transaction_id
    from eventstore.events where global_position >= ${globalPosition.toString()}::bigint`.execute(
    db,
  );
  const transactionId = rows[0]?.transaction_id;
  return transactionId == null
    ? logStart
    : { transactionId: BigInt(transactionId), globalPosition: 0n };
}

/** The last event readers can see now: following the log from here prints only new events. */
export async function logEnd(db: Database): Promise<LogPosition> {
  // Output names differ from the columns: ORDER BY must sort the xid8 and bigint, not their text.
  const { rows } = await sql<{ transaction_text: string; position_text: string }>`
    select transaction_id::text as transaction_text, global_position::text as position_text
    from eventstore.events
    where transaction_id < pg_snapshot_xmin(pg_current_snapshot())
    order by transaction_id desc, global_position desc
    limit 1`.execute(db);
  const row = rows[0];
  return row
    ? { transactionId: BigInt(row.transaction_text), globalPosition: BigInt(row.position_text) }
    : logStart;
}
