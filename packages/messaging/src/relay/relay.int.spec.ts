import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createEventStore, migrateEventStore, type EventStore } from '@mediabot/eventstore';
import {
  createTestDatabase,
  createTestVhost,
  type TestDatabase,
  type TestVhost,
} from '@mediabot/testing';
import { topologyNames } from '../topology/names.ts';
import { openTestBroker, userRegistered, waitUntil, type TestBroker } from '../testing/fixtures.ts';
import type { RelayObserver } from './observer.ts';
import { startRelay, type Relay, type RelayOptions } from './relay.ts';

let vhost: TestVhost;
let database: TestDatabase;
let broker: TestBroker;
let store: EventStore;
const running: Relay[] = [];

beforeAll(async () => {
  [vhost, database] = await Promise.all([createTestVhost(), createTestDatabase()]);
  await migrateEventStore(database.db);
  store = createEventStore(database.db);
  broker = await openTestBroker(vhost.url);
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((relay) => relay.stop()));
});

afterAll(async () => {
  await broker?.close();
  await Promise.all([vhost?.remove(), database?.drop()]);
});

function start(options: Partial<RelayOptions> & Pick<RelayOptions, 'prefix'>): Relay {
  const relay = startRelay({
    db: database.db,
    databaseUrl: database.url,
    amqp: vhost.url,
    lockRetryMs: 50,
    ...options,
  });
  running.push(relay);
  return relay;
}

async function appendUsers(count: number) {
  const events = Array.from({ length: count }, () => userRegistered());
  for (const event of events)
    await store.append(event.streamId, [event], { expectedVersion: 'no_stream' });
  return events;
}

function counting(): {
  counts: { published: number; unroutable: number };
  observer: RelayObserver;
} {
  const counts = { published: 0, unroutable: 0 };
  const observer: RelayObserver = {
    published: () => void (counts.published += 1),
    unroutable: () => void (counts.unroutable += 1),
    checkpointed: () => {},
  };
  return { counts, observer };
}

async function storedCheckpoint(name: string): Promise<bigint | undefined> {
  const { rows } = await sql<{ global_position: string }>`
    select global_position::text as global_position from relay.subscription_checkpoints where name = ${name}`.execute(
    database.db,
  );
  return rows[0] === undefined ? undefined : BigInt(rows[0].global_position);
}

describe('startRelay', () => {
  it('publishes the global log in order, with its properties, and checkpoints what the broker confirmed', async () => {
    const names = topologyNames('order');
    await broker.channel.assertExchange(names.eventExchange, 'topic', { durable: true });
    const seen = await broker.tap(names.eventExchange, 'identity.*');
    const before = await appendUsers(2);
    const relay = start({ prefix: 'order', confirmWindow: 2, batchSize: 2 });
    const after = await appendUsers(3); // woken by the append notification
    const head = await store.headPosition();
    await relay.waitForCheckpoint(head);

    await waitUntil(() => seen.length === 5, 'five events');
    expect(seen.map((message) => message.properties.messageId as string)).toEqual(
      [...before, ...after].map((event) => event.eventId),
    );
    const first = seen[0];
    expect(first?.fields.routingKey).toBe('identity.user-registered');
    expect(first?.properties).toMatchObject({
      contentType: 'application/json',
      type: 'identity.user-registered',
      deliveryMode: 2,
    });
    expect(first?.properties.headers).toMatchObject({
      'x-mediabot-stream': before[0]?.streamId,
      'x-mediabot-version': 2,
    });
    const body = JSON.parse(first?.content.toString() ?? '{}') as Record<string, unknown>;
    expect(body).toMatchObject({
      eventId: before[0]?.eventId,
      globalPosition: expect.stringMatching(/^\d+$/) as unknown,
    });
    expect(await storedCheckpoint('relay:order')).toBe(head);
    expect(relay.isConnected()).toBe(true);
  });

  it('counts unroutable events without letting them block the log', async () => {
    const { counts, observer } = counting();
    const relay = start({ prefix: 'nobody', observer });
    await appendUsers(2);
    const head = await store.headPosition();
    await relay.waitForCheckpoint(head);
    expect(counts.published).toBe(Number(head));
    await waitUntil(() => counts.unroutable === counts.published, 'every event returned');
  });

  it('lets one relay publish at a time; another takes over when it stops', async () => {
    const names = topologyNames('single');
    await broker.channel.assertExchange(names.eventExchange, 'topic', { durable: true });
    const seen = await broker.tap(names.eventExchange);
    const first = start({ prefix: 'single' });
    await waitUntil(() => first.isConnected(), 'the first relay');
    const second = start({ prefix: 'single' });
    await appendUsers(1);
    await first.waitForCheckpoint(await store.headPosition());
    expect(second.isActive()).toBe(false);

    await first.stop();
    await waitUntil(() => second.isConnected(), 'the second relay to take over');
    await appendUsers(1);
    const head = await store.headPosition();
    await second.waitForCheckpoint(head);
    await waitUntil(() => seen.length === Number(head), 'every event once');
    expect(new Set(seen.map((message) => message.properties.messageId as string)).size).toBe(
      seen.length,
    );
  });
});
