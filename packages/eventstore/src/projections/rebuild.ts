import type { AnyDatabase } from '../store/database.ts';
import { sql } from 'kysely';
import type { MessageRegistry } from '@mediabot/contracts';
import type { EventStore } from '../store/event-store.ts';
import { logStart, positionOf, type LogPosition } from '../store/position.ts';
import { createCheckpointStore } from '../subscriptions/checkpoints.ts';
import { applyEvents, migrateProjection, type ProjectionDefinition } from './projection.ts';

export interface RebuildProgress {
  applied: number;
  read: number;
  position: LogPosition;
  head: bigint;
}

export interface RebuildOptions {
  db: AnyDatabase;
  store: EventStore;
  projection: ProjectionDefinition;
  registry?: MessageRegistry;
  /** Stop after this global position. */
  upTo?: bigint;
  /** 'swap' replaces the live tables when done; a schema name leaves the result there instead. */
  target: 'swap' | { schema: string };
  batchSize?: number;
  onProgress?: (progress: RebuildProgress) => void;
  now?: () => Date;
}

export interface RebuildResult {
  schema: string;
  applied: number;
  read: number;
  position: LogPosition;
}

/**
 * Rebuilds a projection from the log into a fresh schema, then (for 'swap') moves its tables
 * over the live ones and sets the live checkpoint, in one transaction. A live subscription
 * notices its checkpoint moved and continues from the rebuilt position.
 */
export async function rebuildProjection(options: RebuildOptions): Promise<RebuildResult> {
  const { db, store, projection } = options;
  const batchSize = options.batchSize ?? 5000;
  const stamp = (options.now?.() ?? new Date()).toISOString().replace(/\D/g, '').slice(0, 14);
  const schema =
    options.target === 'swap' ? `${projection.schema}_rebuild_${stamp}` : options.target.schema;
  await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(db);
  await migrateProjection(db, projection, schema);

  const head = options.upTo ?? (await store.headPosition());
  let position = logStart;
  let applied = 0;
  let read = 0;
  for (;;) {
    const events = await store.readAll({ after: position, limit: batchSize, upTo: head });
    if (events.length === 0) break;
    const relevant = events.filter((event) => projection.eventTypes.includes(event.type));
    await db
      .transaction()
      .execute((trx) => applyEvents(projection, trx, relevant, schema, options.registry));
    position = positionOf(events[events.length - 1]!);
    read += events.length;
    applied += relevant.length;
    options.onProgress?.({ applied, read, position, head });
  }

  const checkpoints = createCheckpointStore(options.target === 'swap' ? projection.schema : schema);
  if (options.target !== 'swap') {
    await checkpoints.save(
      db,
      projection.name,
      await checkpoints.load(db, projection.name),
      position,
    );
    return { schema, applied, read, position };
  }

  await migrateProjection(db, projection);
  await db.transaction().execute(async (trx) => {
    await sql`set local lock_timeout = '30s'`.execute(trx);
    // Tables first, checkpoint second: the same order a live subscription's transaction takes.
    for (const table of projection.tables) {
      await sql`lock table ${sql.table(`${projection.schema}.${table}`)} in access exclusive mode`.execute(
        trx,
      );
    }
    for (const table of projection.tables) {
      await sql`drop table ${sql.table(`${projection.schema}.${table}`)} cascade`.execute(trx);
      await sql`alter table ${sql.table(`${schema}.${table}`)} set schema ${sql.id(projection.schema)}`.execute(
        trx,
      );
    }
    await sql`
      insert into ${sql.table(`${projection.schema}.subscription_checkpoints`)} (name, transaction_id, global_position)
      values (${projection.name}, ${position.transactionId.toString()}::xid8, ${position.globalPosition.toString()}::bigint)
      on conflict (name) do update set transaction_id = excluded.transaction_id,
        global_position = excluded.global_position, updated_at = now()`.execute(trx);
    await sql`drop schema ${sql.id(schema)} cascade`.execute(trx);
  });
  return { schema: projection.schema, applied, read, position };
}
