import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import pg from 'pg';
import { createEventStore, migrateEventStore, type EventStore } from '@mediabot/eventstore';
import {
  createTestDatabase,
  createTestVhost,
  type TestDatabase,
  type TestVhost,
} from '@mediabot/testing';
import { topologyNames } from '../topology/names.ts';
import { appendUsers, openTestBroker, waitUntil, type TestBroker } from '../testing/fixtures.ts';
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

/** Every event id appended in this file: a relay with a new prefix publishes them all. */
const appended: string[] = [];
async function append(count: number) {
  const result = await appendUsers(store, count);
  appended.push(...result.ids);
  return result;
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
    await append(2);
    const relay = start({ prefix: 'order', confirmWindow: 2, batchSize: 2 });
    const { lastPosition } = await append(3); // woken by the append notification
    await relay.waitForCheckpoint(lastPosition);

    await waitUntil(() => seen.length === 5, 'five events');
    expect(seen.map((message) => message.properties.messageId as string)).toEqual(appended);
    const first = seen[0];
    expect(first?.fields.routingKey).toBe('identity.user-registered');
    expect(first?.properties).toMatchObject({
      contentType: 'application/json',
      type: 'identity.user-registered',
      deliveryMode: 2,
    });
    expect(first?.properties.headers).toMatchObject({
      'x-mediabot-stream': expect.stringMatching(/^user-\d+$/) as unknown,
      'x-mediabot-version': 2,
    });
    const body = JSON.parse(first?.content.toString() ?? '{}') as Record<string, unknown>;
    expect(body).toMatchObject({
      eventId: appended[0],
      globalPosition: expect.stringMatching(/^\d+$/) as unknown,
    });
    expect(await storedCheckpoint('relay:order')).toBe(lastPosition);
    expect(relay.isConnected()).toBe(true);
  });

  it('counts unroutable events without letting them block the log', async () => {
    const { counts, observer } = counting();
    const relay = start({ prefix: 'nobody', observer });
    const { lastPosition } = await append(2);
    await relay.waitForCheckpoint(lastPosition);
    expect(counts.published).toBe(appended.length);
    await waitUntil(() => counts.unroutable === counts.published, 'every event returned');
  });

  it('reports the stored checkpoint as soon as it starts, with nothing new to publish', async () => {
    const first = start({ prefix: 'restart' });
    const { lastPosition } = await append(1);
    await first.waitForCheckpoint(lastPosition);
    await first.stop();

    const reported: bigint[] = [];
    const observer: RelayObserver = {
      ...counting().observer,
      checkpointed: ({ globalPosition }) => void reported.push(globalPosition),
    };
    const second = start({ prefix: 'restart', observer });
    await waitUntil(() => second.isConnected(), 'the restarted relay');
    await waitUntil(() => reported.includes(lastPosition), 'the loaded checkpoint to be reported');
  });

  it('publishes an event held back by an older open transaction as soon as that ends, not at the next poll', async () => {
    const relay = start({ prefix: 'horizon', pollIntervalMs: 60_000 });
    await relay.waitForCheckpoint((await append(1)).lastPosition);

    const older = new pg.Client({ connectionString: database.url });
    await older.connect();
    try {
      await older.query('begin');
      await older.query('select pg_current_xact_id()'); // an xid: it holds the horizon back
      const { lastPosition } = await append(1); // its wake-up comes while it is still hidden
      await new Promise((resolve) => setTimeout(resolve, 200));
      await older.query('commit');
      const published = relay.waitForCheckpoint(lastPosition).then(() => true);
      const timedOut = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 10_000));
      expect(await Promise.race([published, timedOut])).toBe(true);
    } finally {
      await older.end();
    }
  });

  it('lets one relay publish at a time; another takes over when it stops', async () => {
    const names = topologyNames('single');
    await broker.channel.assertExchange(names.eventExchange, 'topic', { durable: true });
    const seen = await broker.tap(names.eventExchange);
    const first = start({ prefix: 'single' });
    await waitUntil(() => first.isConnected(), 'the first relay');
    const second = start({ prefix: 'single' });
    await first.waitForCheckpoint((await append(1)).lastPosition);
    expect(second.isActive()).toBe(false);

    await first.stop();
    await waitUntil(() => second.isConnected(), 'the second relay to take over');
    await second.waitForCheckpoint((await append(1)).lastPosition);
    await waitUntil(() => seen.length === appended.length, 'every event');
    expect(new Set(seen.map((message) => message.properties.messageId as string))).toEqual(
      new Set(appended),
    );
  });
});
