import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { UserRegistered } from '@mediabot/contracts';
import {
  createEventStore,
  logStart,
  migrateEventStore,
  type EventStore,
} from '@mediabot/eventstore';
import {
  createTestDatabase,
  createTestVhost,
  spawnNode,
  type ChildHandle,
  type TestDatabase,
  type TestVhost,
} from '@mediabot/testing';
import { startConsumer, type Consumer } from '../consumer/consumer.ts';
import { ensureInbox } from '../consumer/inbox.ts';
import { topologyNames } from '../topology/names.ts';
import {
  countingHandler,
  createCountsTable,
  openTestBroker,
  readCounts,
  recordingLogger,
  appendUsers,
  waitUntil,
  type TestBroker,
} from '../testing/fixtures.ts';
import { relayMainFile } from '../testing/env.ts';

const schema = 'projection';
let vhost: TestVhost;
let database: TestDatabase;
let broker: TestBroker;
let store: EventStore;
const children: ChildHandle[] = [];
const consumers: Consumer[] = [];

beforeAll(async () => {
  [vhost, database] = await Promise.all([createTestVhost(), createTestDatabase()]);
  await migrateEventStore(database.db);
  await ensureInbox(database.db, schema);
  await createCountsTable(database.db, schema);
  store = createEventStore(database.db);
  broker = await openTestBroker(vhost.url);
});

afterEach(async () => {
  await Promise.all(children.splice(0).map((child) => child.kill('SIGKILL')));
  await Promise.all(consumers.splice(0).map((consumer) => consumer.stop()));
});

afterAll(async () => {
  await broker?.close();
  await Promise.all([vhost?.remove(), database?.drop()]);
});

function spawnRelay(
  prefix: string,
  fault?: 'kill-after-publish' | 'kill-before-checkpoint',
): ChildHandle {
  const child = spawnNode(relayMainFile, {
    env: {
      DATABASE_URL: database.url,
      RABBITMQ_URL: vhost.url,
      RABBITMQ_PREFIX: prefix,
      RELAY_POLL_INTERVAL_MS: '200',
      ...(fault === undefined ? {} : { RELAY_FAULT: fault }),
    },
  });
  children.push(child);
  return child;
}

async function storedCheckpoint(prefix: string): Promise<bigint> {
  const { rows } = await sql<{ global_position: string }>`
    select global_position::text as global_position from relay.subscription_checkpoints
    where name = ${`relay:${prefix}`}`.execute(database.db);
  return rows[0] === undefined ? logStart.globalPosition : BigInt(rows[0].global_position);
}

/** A projector in this process plus a raw tap on the exchange, both bound before anything is published. */
async function observe(prefix: string) {
  const logger = recordingLogger();
  const consumer = startConsumer({
    amqp: vhost.url,
    prefix,
    consumer: 'projector',
    bindings: [UserRegistered.type],
    db: database.db,
    inboxSchema: schema,
    handler: countingHandler(schema),
    logger,
  });
  consumers.push(consumer);
  await consumer.ready();
  const tapped = await broker.tap(topologyNames(prefix).eventExchange);
  const duplicates = () =>
    logger.lines.filter((line) => line.message.startsWith('Duplicate message skipped')).length;
  return { tapped, duplicates };
}

/** Every event id appended in this file: a relay with a new prefix publishes them all. */
const appended: string[] = [];
async function append(count: number): Promise<bigint> {
  const { ids, lastPosition } = await appendUsers(store, count);
  appended.push(...ids);
  return lastPosition;
}

function occurrences(ids: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
  return counts;
}

describe('relay crash (SIGKILL)', () => {
  it('killed after the broker confirmed but before the checkpoint: republishes, the projection counts each event once', async () => {
    const prefix = 'after-confirm';
    const { tapped, duplicates } = await observe(prefix);
    const lastPosition = await append(3);
    const expected = [...appended];

    const crashed = await spawnRelay(prefix, 'kill-before-checkpoint').exited;
    expect(crashed.signal).toBe('SIGKILL');
    expect(await storedCheckpoint(prefix)).toBe(0n);
    expect(tapped.length).toBeLessThanOrEqual(expected.length);

    const restarted = spawnRelay(prefix);
    await waitUntil(
      async () => (await storedCheckpoint(prefix)) === lastPosition,
      'the restarted relay to checkpoint the head',
    );
    await waitUntil(() => tapped.length === 2 * expected.length, 'every event published twice');
    await waitUntil(
      () => duplicates() === expected.length,
      'the consumer to skip every republication',
    );

    expect(occurrences(tapped.map((message) => message.properties.messageId as string))).toEqual(
      new Map(expected.map((id) => [id, 2])),
    );
    const counts = await readCounts(database.db, schema);
    expect(expected.map((id) => counts.get(id))).toEqual(expected.map(() => 1));
    expect((await restarted.kill('SIGTERM')).code).toBe(0);
  });

  it('killed right after publishing, before any confirm: the event is published again and nothing is lost', async () => {
    const prefix = 'before-confirm';
    const { tapped } = await observe(prefix);
    const lastPosition = await append(2);
    const expected = [...appended];

    const crashed = await spawnRelay(prefix, 'kill-after-publish').exited;
    expect(crashed.signal).toBe('SIGKILL');
    expect(await storedCheckpoint(prefix)).toBe(0n);
    expect(tapped.length).toBeLessThanOrEqual(1);

    spawnRelay(prefix);
    await waitUntil(
      async () => (await storedCheckpoint(prefix)) === lastPosition,
      'the restarted relay to checkpoint the head',
    );
    await waitUntil(async () => {
      const counts = await readCounts(database.db, schema);
      return expected.every((id) => counts.has(id));
    }, 'every event projected');

    const published = occurrences(tapped.map((message) => message.properties.messageId as string));
    expect([...published.keys()].sort()).toEqual([...expected].sort());
    const counts = await readCounts(database.db, schema);
    expect(expected.map((id) => counts.get(id))).toEqual(expected.map(() => 1));
  });
});
