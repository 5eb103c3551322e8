import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserRegistered } from '@mediabot/contracts';
import { createEventStore, migrateEventStore, type EventStore } from '@mediabot/eventstore';
import {
  createTestDatabase,
  startPrivateRabbit,
  type PrivateRabbit,
  type TestDatabase,
} from '@mediabot/testing';
import { startConsumer, type Consumer } from '../consumer/consumer.ts';
import { ensureInbox } from '../consumer/inbox.ts';
import { startRelay, type Relay } from '../relay/relay.ts';
import {
  countingHandler,
  createCountsTable,
  readCounts,
  recordingLogger,
  appendUsers,
  waitUntil,
} from '../testing/fixtures.ts';

const schema = 'projection';
const reconnect = { initialDelayMs: 100, maxDelayMs: 1000, factor: 2, jitter: 0.3 };
let rabbit: PrivateRabbit;
let database: TestDatabase;
let store: EventStore;
let relay: Relay | undefined;
let consumer: Consumer | undefined;

beforeAll(async () => {
  [rabbit, database] = await Promise.all([startPrivateRabbit(), createTestDatabase()]);
  await migrateEventStore(database.db);
  await ensureInbox(database.db, schema);
  await createCountsTable(database.db, schema);
  store = createEventStore(database.db);
});

afterAll(async () => {
  await consumer?.stop();
  await relay?.stop();
  await Promise.all([rabbit?.destroy(), database?.drop()]);
});

/** Appends a steady stream of events until `done()` holds, so they span the broker restart. */
async function appendUntil(done: () => boolean): Promise<{ ids: string[]; lastPosition: bigint }> {
  const ids: string[] = [];
  let lastPosition = 0n;
  while (!done()) {
    const appended = await appendUsers(store, 1);
    ids.push(...appended.ids);
    lastPosition = appended.lastPosition;
    await delay(15);
  }
  return { ids, lastPosition };
}

const reconnected = (logger: ReturnType<typeof recordingLogger>) =>
  logger.lines.some((line) => line.message.startsWith('AMQP session'));

describe('RabbitMQ restarted mid-stream', () => {
  it('relay and consumer reconnect, and every event is projected exactly once', async () => {
    const consumerLog = recordingLogger();
    const relayLog = recordingLogger();
    consumer = startConsumer({
      logger: consumerLog,
      amqp: rabbit.url,
      prefix: 'restart',
      consumer: 'projector',
      bindings: [UserRegistered.type],
      db: database.db,
      inboxSchema: schema,
      handler: countingHandler(schema),
      reconnect,
    });
    await consumer.ready();
    relay = startRelay({
      db: database.db,
      databaseUrl: database.url,
      amqp: rabbit.url,
      prefix: 'restart',
      pollIntervalMs: 200,
      reconnect,
      logger: relayLog,
    });

    let appendedSinceRestart: number | undefined;
    const stream = appendUntil(
      () => appendedSinceRestart !== undefined && ++appendedSinceRestart > 10,
    );
    await waitUntil(
      async () => (await readCounts(database.db, schema)).size >= 10,
      'the first events projected',
    );
    await rabbit.restart();
    appendedSinceRestart = 0;
    const { ids, lastPosition } = await stream;

    await relay.waitForCheckpoint(lastPosition);
    await waitUntil(
      async () => (await readCounts(database.db, schema)).size === ids.length,
      'every event projected',
    );
    const counts = await readCounts(database.db, schema);
    expect(ids.map((id) => counts.get(id))).toEqual(ids.map(() => 1));
    await waitUntil(() => relay?.isConnected() && consumer?.isConnected(), 'both connected again');
    expect(reconnected(relayLog) && reconnected(consumerLog)).toBe(true);
  });
});
