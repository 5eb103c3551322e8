import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestDatabase,
  createTestVhost,
  spawnNode,
  type ChildHandle,
  type TestDatabase,
  type TestVhost,
} from '@mediabot/testing';
import { topologyNames } from '../topology/names.ts';
import {
  createCountsTable,
  inboxSize,
  openTestBroker,
  readCounts,
  userRegistered,
  waitUntil,
  type TestBroker,
} from '../testing/fixtures.ts';
import { consumerProcessFile } from '../testing/env.ts';
import { ensureInbox } from './inbox.ts';

const prefix = 'crash';
const schema = 'projection';
const names = topologyNames(prefix);
let vhost: TestVhost;
let database: TestDatabase;
let broker: TestBroker;
const children: ChildHandle[] = [];

beforeAll(async () => {
  [vhost, database] = await Promise.all([createTestVhost(), createTestDatabase()]);
  await ensureInbox(database.db, schema);
  await createCountsTable(database.db, schema);
  broker = await openTestBroker(vhost.url);
});

afterEach(async () => {
  await Promise.all(children.splice(0).map((child) => child.kill('SIGKILL')));
});

afterAll(async () => {
  await broker?.close();
  await Promise.all([vhost?.remove(), database?.drop()]);
});

function spawnConsumer(fault?: 'kill-after-commit'): ChildHandle {
  const child = spawnNode(consumerProcessFile, {
    env: {
      DATABASE_URL: database.url,
      RABBITMQ_URL: vhost.url,
      RABBITMQ_PREFIX: prefix,
      CONSUMER_NAME: 'projector',
      INBOX_SCHEMA: schema,
      ...(fault === undefined ? {} : { CONSUMER_FAULT: fault }),
    },
  });
  children.push(child);
  return child;
}

describe('consumer crash (SIGKILL) after commit, before ack', () => {
  it('gets the message again, and the redelivery changes nothing thanks to the inbox', async () => {
    const crashing = spawnConsumer('kill-after-commit');
    await crashing.waitForLine(/"msg":"Consuming"/);
    const event = userRegistered();
    await broker.publishEvent(names.eventExchange, event);

    expect((await crashing.exited).signal).toBe('SIGKILL');
    expect((await readCounts(database.db, schema)).get(event.eventId)).toBe(1);
    expect(await inboxSize(database.db, schema, 'projector')).toBe(1);
    const queue = names.consumer('projector').queue;
    await waitUntil(
      async () => (await broker.channel.checkQueue(queue)).messageCount === 1,
      'the unacknowledged message back in the queue',
    );

    const restarted = spawnConsumer();
    await restarted.waitForLine(/Duplicate message skipped/);
    expect((await restarted.kill('SIGTERM')).code).toBe(0); // a graceful stop would requeue an unacked message
    expect((await broker.channel.checkQueue(queue)).messageCount).toBe(0);
    expect((await readCounts(database.db, schema)).get(event.eventId)).toBe(1);
    expect(await inboxSize(database.db, schema, 'projector')).toBe(1);
  });
});
