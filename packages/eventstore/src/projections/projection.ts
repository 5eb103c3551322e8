import type { AnyDatabase, AnyTransaction } from '../store/database.ts';
import { sql } from 'kysely';
import { Migrator, type Migration } from 'kysely/migration';
import type { MessageRegistry, RecordedEnvelope } from '@mediabot/contracts';
import type { EventStore } from '../store/event-store.ts';
import { createCheckpointStore, ignoreConcurrentCreate } from '../subscriptions/checkpoints.ts';
import { startSubscription, type Subscription } from '../subscriptions/subscription.ts';

/**
 * A read model built from the log. Its tables are created by its own migrations in whatever
 * schema it is given, so the same definition builds the live tables and a rebuild beside them.
 */
export interface ProjectionDefinition {
  /** Unique, e.g. "identity.users"; also the subscription (checkpoint) name. */
  name: string;
  /** The owning service's schema. */
  schema: string;
  /** The tables this projection owns: exactly those are swapped in after a rebuild. */
  tables: readonly string[];
  migrations(schema: string): Record<string, Migration>;
  eventTypes: readonly string[];
  apply(trx: AnyTransaction, event: RecordedEnvelope, schema: string): Promise<void>;
  /** Optional faster path for a whole batch (rebuilds); must equal applying one by one. */
  applyBatch?(trx: AnyTransaction, events: RecordedEnvelope[], schema: string): Promise<void>;
}

export function projectionMigrationTable(projection: ProjectionDefinition): string {
  return `migrations_${projection.name.replace(/[^a-z0-9]+/gi, '_')}`;
}

export async function migrateProjection(
  db: AnyDatabase,
  projection: ProjectionDefinition,
  schema = projection.schema,
): Promise<void> {
  await sql`create schema if not exists ${sql.id(schema)}`
    .execute(db)
    .catch(ignoreConcurrentCreate);
  const migrations = projection.migrations(schema);
  const migrator = new Migrator({
    db,
    provider: { getMigrations: () => Promise.resolve(migrations) },
    migrationTableSchema: schema,
    migrationTableName: projectionMigrationTable(projection),
    migrationLockTableName: `${projectionMigrationTable(projection)}_lock`,
  });
  const { error } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error('Migration failed', { cause: error });
  await createCheckpointStore(schema).ensure(db);
}

/** Upcasts stored events to their current shape before the projection sees them. */
export function upcastRecorded(
  registry: MessageRegistry | undefined,
  event: RecordedEnvelope,
): RecordedEnvelope {
  if (!registry) return event;
  const current = registry.parse(event);
  return {
    ...current,
    globalPosition: event.globalPosition,
    transactionId: event.transactionId,
    streamVersion: event.streamVersion,
  };
}

export async function applyEvents(
  projection: ProjectionDefinition,
  trx: AnyTransaction,
  events: RecordedEnvelope[],
  schema: string,
  registry: MessageRegistry | undefined,
): Promise<void> {
  const relevant = events
    .filter((event) => projection.eventTypes.includes(event.type))
    .map((event) => upcastRecorded(registry, event));
  if (relevant.length === 0) return;
  if (projection.applyBatch) return projection.applyBatch(trx, relevant, schema);
  for (const event of relevant) await projection.apply(trx, event, schema);
}

export function startProjection(options: {
  db: AnyDatabase;
  connectionString: string;
  store: EventStore;
  projection: ProjectionDefinition;
  registry?: MessageRegistry;
  batchSize?: number;
  pollIntervalMs?: number;
  onError?: (error: unknown) => void;
}): Subscription {
  const { projection } = options;
  return startSubscription({
    name: projection.name,
    db: options.db,
    connectionString: options.connectionString,
    store: options.store,
    checkpoints: createCheckpointStore(projection.schema),
    eventTypes: projection.eventTypes,
    handle: (trx, events) =>
      applyEvents(projection, trx, events, projection.schema, options.registry),
    ...(options.batchSize === undefined ? {} : { batchSize: options.batchSize }),
    ...(options.pollIntervalMs === undefined ? {} : { pollIntervalMs: options.pollIntervalMs }),
    ...(options.onError === undefined ? {} : { onError: options.onError }),
  });
}
