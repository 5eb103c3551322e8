import { sql } from 'kysely';
import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserRegistered } from '@mediabot/contracts';
import {
  createHandlingMetrics,
  createLogger,
  createMetricsRegistry,
  createShutdown,
  type ServiceContext,
} from '@mediabot/service-kit';
import {
  createTestDatabase,
  createTestVhost,
  type TestDatabase,
  type TestVhost,
} from '@mediabot/testing';
import { eventServiceConfigSchema, type EventServiceConfig } from './config.ts';
import { openEventInfrastructure } from './infrastructure.ts';

let database: TestDatabase;
let vhost: TestVhost;

beforeAll(async () => {
  [database, vhost] = await Promise.all([createTestDatabase(), createTestVhost()]);
});
afterAll(async () => {
  await Promise.all([database.drop(), vhost.remove()]);
});

function testContext(): ServiceContext<EventServiceConfig> & { checks: string[] } {
  const config = eventServiceConfigSchema.parse({
    DATABASE_URL: database.url,
    RABBITMQ_URL: vhost.url,
    REDIS_URL: 'redis://127.0.0.1:6379',
    RABBITMQ_PREFIX: 'es',
  });
  const logger = createLogger({ service: 'probe', level: 'silent' });
  const registry = createMetricsRegistry('probe');
  const checks: string[] = [];
  return {
    config,
    service: 'probe',
    logger,
    registry,
    shutdown: createShutdown({ logger, timeoutMs: 5000, exit: () => undefined, signals: [] }),
    handlingMetrics: createHandlingMetrics(registry),
    addReadinessCheck: (check) => checks.push(check.name),
    checks,
  };
}

describe('openEventInfrastructure', () => {
  it('migrates the store and the service schema, consumes into it, and closes on shutdown', async () => {
    const context = testContext();
    const infrastructure = await openEventInfrastructure(context, {
      schema: 'probe',
      migrations: {
        '0001_seen': {
          up: (db) =>
            sql`create table probe.seen (event_id uuid primary key)`.execute(db).then(() => {}),
        },
      },
    });
    const seen: string[] = [];
    await infrastructure.consume({
      bindings: [UserRegistered.type],
      handler: async (message, { trx }) => {
        await sql`insert into probe.seen values (${message.eventId})`.execute(trx);
        seen.push(message.eventId);
      },
    });
    expect(context.checks).toEqual(expect.arrayContaining(['postgres', 'rabbitmq:main']));

    const event = UserRegistered.create(
      {
        telegramUserId: 9,
        username: null,
        firstName: null,
        languageCode: 'en',
        registeredVia: 'start-command',
      },
      { streamId: 'user-9', actor: { kind: 'user', id: '9' } },
    );
    const appended = await infrastructure.append(event.streamId, [event], 'no_stream');
    expect(appended.nextExpectedVersion).toBe(1n);

    const connection = await amqp.connect(vhost.url);
    const channel = await connection.createConfirmChannel();
    channel.publish('es.events', event.type, Buffer.from(JSON.stringify(event)), {
      messageId: event.eventId,
      persistent: true,
    });
    await channel.waitForConfirms();
    await connection.close();
    await expect.poll(() => seen.length, { timeout: 10_000 }).toBe(1);
    const rows = await sql`select count(*)::int as n from probe.inbox`.execute(infrastructure.db);
    expect(rows.rows).toEqual([{ n: 1 }]);

    await context.shutdown.run('test');
    await expect(sql`select 1`.execute(infrastructure.db)).rejects.toThrow();
  });
});
