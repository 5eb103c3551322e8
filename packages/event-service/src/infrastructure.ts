import { sql, Kysely, PostgresDialect } from 'kysely';
import { Migrator, type Migration } from 'kysely/migration';
import pg from 'pg';
import type { Envelope } from '@mediabot/contracts';
import {
  createEventStore,
  migrateEventStore,
  type AnyDatabase,
  type AppendResult,
  type EventStore,
  type ExpectedVersion,
} from '@mediabot/eventstore';
import {
  ensureInbox,
  startConsumer,
  type Consumer,
  type ConsumerOptions,
} from '@mediabot/messaging';
import { postgresCheck, rabbitCheck, type ServiceContext } from '@mediabot/service-kit';
import type { EventServiceConfig } from './config.ts';

export type ServiceConsumerOptions = Omit<
  ConsumerOptions,
  'amqp' | 'db' | 'inboxSchema' | 'observer' | 'logger' | 'prefix' | 'consumer'
> & { subscription?: string };

export interface EventInfrastructure {
  db: AnyDatabase;
  pool: pg.Pool;
  store: EventStore;
  /** Appends events to a stream; a retried append of the same ids is not an error. */
  append(
    streamId: string,
    events: readonly Envelope[],
    expectedVersion: ExpectedVersion,
  ): Promise<AppendResult>;
  /** Starts a consumer on this service's queue; stopped on shutdown, reported in /readyz. */
  consume(options: ServiceConsumerOptions): Promise<Consumer>;
}

/**
 * Opens what every event-driven service needs: the database (with the event store's and this
 * service's own migrations applied), and consumers wired to metrics, logs, readiness and shutdown.
 */
export async function openEventInfrastructure(
  context: ServiceContext<EventServiceConfig>,
  options: { schema: string; migrations?: Record<string, Migration> },
): Promise<EventInfrastructure> {
  const { config, logger, shutdown } = context;
  const pool = new pg.Pool({
    connectionString: config.DATABASE_URL,
    max: config.DATABASE_POOL_SIZE,
    application_name: context.service,
  });
  pool.on('error', (error) => logger.warn({ err: error }, 'idle database connection failed'));
  const db: AnyDatabase = new Kysely({ dialect: new PostgresDialect({ pool }) });
  shutdown.register('database', () => db.destroy());
  context.addReadinessCheck(postgresCheck(db));

  await migrateEventStore(db);
  await migrateServiceSchema(db, options.schema, options.migrations ?? {});
  await ensureInbox(db, options.schema);
  const store = createEventStore(db);

  return {
    db,
    pool,
    store,
    append: (streamId, events, expectedVersion) =>
      store.append(streamId, events, { expectedVersion }),
    async consume(consumerOptions) {
      const consumer = startConsumer({
        ...consumerOptions,
        amqp: config.RABBITMQ_URL,
        prefix: config.RABBITMQ_PREFIX,
        consumer: context.service,
        db,
        inboxSchema: options.schema,
        observer: context.handlingMetrics,
        logger,
        prefetch: consumerOptions.prefetch ?? config.RABBITMQ_PREFETCH,
        consumerTimeoutMs: consumerOptions.consumerTimeoutMs ?? config.CONSUMER_TIMEOUT_MS,
      });
      shutdown.register(`consumer ${consumerOptions.subscription ?? context.service}`, () =>
        consumer.stop(),
      );
      context.addReadinessCheck(
        rabbitCheck(
          () => consumer.isConnected(),
          `rabbitmq:${consumerOptions.subscription ?? 'main'}`,
        ),
      );
      await consumer.ready();
      return consumer;
    },
  };
}

/** Applies a service's own migrations inside its own schema (it owns that schema and no other). */
export async function migrateServiceSchema(
  db: AnyDatabase,
  schema: string,
  migrations: Record<string, Migration>,
): Promise<void> {
  await sql`create schema if not exists ${sql.id(schema)}`
    .execute(db)
    .catch((error: { code?: string }) => {
      if (error.code !== '23505' && error.code !== '42P06') throw error;
    });
  const migrator = new Migrator({
    db,
    provider: { getMigrations: () => Promise.resolve(migrations) },
    migrationTableSchema: schema,
  });
  const { error } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error('Migration failed', { cause: error });
}
