import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventStore, migrateEventStore, type EventStore } from '@mediabot/eventstore';
import { createTestDatabase, serviceUrls, type TestDatabase } from '@mediabot/testing';
import { createRateLimiter } from '../rate-limit/rate-limiter.ts';
import { createUpdateHandler } from '../updates/handle-update.ts';
import { startWebhookServer } from './webhook.ts';

let database: TestDatabase;
let store: EventStore;
let redis: Redis;
let server: { port: number; close(): Promise<void> };
let failAppends = false;
const secret = 'test-secret_123';

beforeAll(async () => {
  database = await createTestDatabase();
  await migrateEventStore(database.db);
  store = createEventStore(database.db);
  redis = new Redis((await serviceUrls()).redis);
  const handleUpdate = createUpdateHandler({
    append: async (streamId, events) => {
      if (failAppends) throw new Error('database unavailable');
      await store.append(streamId, events, { expectedVersion: 'no_stream' });
    },
    preferredQuality: () => Promise.resolve(null),
    rateLimiter: createRateLimiter(redis, {
      perUserPerMinute: 100,
      globalPerMinute: 1000,
      keyPrefix: `test:${randomUUID()}`,
    }),
    answerCallbackQuery: () => Promise.resolve(),
    maxLinksPerMessage: 5,
    linkPolicy: {},
    logger: { warn: () => {} },
  });
  server = await startWebhookServer({
    host: '127.0.0.1',
    port: 0,
    path: '/hook',
    secret,
    handleUpdate,
    logger: { warn: () => {} },
  });
});
afterAll(async () => {
  await server.close();
  await redis.quit();
  await database.drop();
});

const update = (updateId: number) => ({
  update_id: updateId,
  message: {
    message_id: 1,
    date: 1_700_000_000,
    chat: { id: 5, type: 'private' },
    from: { id: 5, first_name: 'Bo', language_code: 'ru' },
    text: 'https://video.example.com/v/1',
  },
});

function post(
  body: unknown,
  headers: Record<string, string> = { 'x-telegram-bot-api-secret-token': secret },
) {
  return fetch(`http://127.0.0.1:${server.port}/hook`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

/** Reads the stream directly: the global log hides events until every older transaction in the cluster ends. */
async function eventsOfUpdate(updateId: number) {
  return store.readStream(`update-${updateId}`);
}

describe('webhook', () => {
  it('refuses a call with a wrong or missing secret token with 403 and records nothing', async () => {
    expect((await post(update(1), { 'x-telegram-bot-api-secret-token': 'wrong' })).status).toBe(
      403,
    );
    expect((await post(update(1), {})).status).toBe(403);
    expect(await eventsOfUpdate(1)).toEqual([]);
  });

  it('records an update once, however often Telegram delivers it', async () => {
    expect((await post(update(2))).status).toBe(200);
    expect((await post(update(2))).status).toBe(200);
    const events = await eventsOfUpdate(2);
    expect(events.map((event) => event.type)).toEqual(['download.requested']);
    expect(events[0]?.data).toMatchObject({ user: { languageCode: 'ru' } });
  });

  it('answers 503 when it cannot record the update, so Telegram sends it again', async () => {
    failAppends = true;
    expect((await post(update(3))).status).toBe(503);
    failAppends = false;
    expect((await post(update(3))).status).toBe(200);
    expect((await store.readStream('update-3')).length).toBe(1);
  });

  it('rejects bodies that are not JSON with 400', async () => {
    const response = await fetch(`http://127.0.0.1:${server.port}/hook`, {
      method: 'POST',
      headers: { 'x-telegram-bot-api-secret-token': secret },
      body: '{nope',
    });
    expect(response.status).toBe(400);
  });
});
