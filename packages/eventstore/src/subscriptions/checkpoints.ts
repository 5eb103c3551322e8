import type { AnyDatabase, AnyTransaction } from '../store/database.ts';
import { sql } from 'kysely';
import { logStart, type LogPosition } from '../store/position.ts';

type Executor = AnyDatabase | AnyTransaction;

/** Compare-and-set checkpoints, kept in the schema of whoever owns the subscription. */
export interface CheckpointStore {
  ensure(db: AnyDatabase): Promise<void>;
  load(db: Executor, name: string): Promise<LogPosition>;
  /** Moves the checkpoint from `expected` to `next`; false when someone else moved it first. */
  save(db: Executor, name: string, expected: LogPosition, next: LogPosition): Promise<boolean>;
}

export function createCheckpointStore(schema: string): CheckpointStore {
  const table = sql.table(`${schema}.subscription_checkpoints`);
  return {
    async ensure(db) {
      await sql`create schema if not exists ${sql.id(schema)}`
        .execute(db)
        .catch(ignoreConcurrentCreate);
      await sql`
        create table if not exists ${table} (
          name text primary key,
          transaction_id xid8 not null,
          global_position bigint not null,
          updated_at timestamptz not null default now()
        )`
        .execute(db)
        .catch(ignoreConcurrentCreate);
    },
    async load(db, name) {
      const { rows } = await sql<{ transaction_id: string; global_position: string }>`
        select transaction_id::text as transaction_id, global_position::text as global_position
        from ${table} where name = ${name}`.execute(db);
      const row = rows[0];
      return row
        ? { transactionId: BigInt(row.transaction_id), globalPosition: BigInt(row.global_position) }
        : logStart;
    },
    async save(db, name, expected, next) {
      const nextTx = next.transactionId.toString();
      const nextPos = next.globalPosition.toString();
      const result =
        expected.transactionId === 0n && expected.globalPosition === 0n
          ? await sql`
              insert into ${table} (name, transaction_id, global_position) values (${name}, ${nextTx}::xid8, ${nextPos}::bigint)
              on conflict (name) do update set transaction_id = excluded.transaction_id,
                global_position = excluded.global_position, updated_at = now()
              where ${table}.transaction_id = '0'::xid8 and ${table}.global_position = 0`.execute(
              db,
            )
          : await sql`
              update ${table} set transaction_id = ${nextTx}::xid8, global_position = ${nextPos}::bigint, updated_at = now()
              where name = ${name} and transaction_id = ${expected.transactionId.toString()}::xid8
                and global_position = ${expected.globalPosition.toString()}::bigint`.execute(db);
      return (result.numAffectedRows ?? 0n) === 1n;
    },
  };
}

/** Two processes racing on `create ... if not exists` can still collide in the catalog. */
export function ignoreConcurrentCreate(error: unknown): void {
  const code = (error as { code?: string }).code;
  if (code === '23505' || code === '42P06' || code === '42P07') return;
  throw error;
}
