import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CommandReceived,
  DownloadRequested,
  SettingsChosen,
  type Envelope,
} from '@mediabot/contracts';
import { createEventStore, migrateEventStore, type EventStore } from '@mediabot/eventstore';
import { createTestDatabase, type TestDatabase } from '@mediabot/testing';
import { decideRegistration } from './decide-registration.ts';
import { handleRegistration } from './registration.handler.ts';

let database: TestDatabase;
let store: EventStore;
beforeAll(async () => {
  database = await createTestDatabase();
  await migrateEventStore(database.db);
  store = createEventStore(database.db);
});
afterAll(() => database.drop());

const user = (id: number) => ({
  telegramUserId: id,
  username: `u${id}`,
  firstName: 'Eva',
  languageCode: 'ru' as const,
});
const actor = { kind: 'user' as const, id: 'x' };
const start = (id: number) =>
  CommandReceived.create(
    { updateId: id, chatId: id, messageId: 1, user: user(id), command: 'start', args: '' },
    { streamId: `update-${id}`, actor },
  );
const settings = (id: number, update: number) =>
  SettingsChosen.create(
    {
      updateId: update,
      chatId: id,
      messageId: 2,
      callbackQueryId: 'cb',
      user: user(id),
      defaultQuality: '720p',
    },
    { streamId: `update-${update}`, actor },
  );

async function handleWithRetries(message: Envelope) {
  for (let attempt = 0; ; attempt++) {
    try {
      return await handleRegistration(store, message);
    } catch (error) {
      if (attempt > 5 || !(error as { retryable?: boolean }).retryable) throw error;
    }
  }
}

describe('registration', () => {
  it('registers a user once, from /start, in their language', async () => {
    const message = start(1);
    await handleRegistration(store, message);
    await handleRegistration(store, message);
    await handleRegistration(store, start(1));
    const events = await store.readStream('user-1');
    expect(events.map((event) => event.type)).toEqual(['identity.user-registered']);
    expect(events[0]?.data).toMatchObject({ languageCode: 'ru', registeredVia: 'start-command' });
  });

  it('records settings, registering first a user who never sent /start, and never twice', async () => {
    const message = settings(2, 20);
    await handleRegistration(store, message);
    await handleRegistration(store, message);
    const events = await store.readStream('user-2');
    expect(events.map((event) => event.type)).toEqual([
      'identity.user-registered',
      'identity.user-settings-changed',
    ]);
    expect(events[1]?.data).toEqual({ telegramUserId: 2, defaultQuality: '720p' });
  });

  it('lets concurrent first messages of one user make exactly one account', async () => {
    const messages = [start(3), settings(3, 30), settings(3, 31), start(3)];
    await Promise.all(messages.map(handleWithRetries));
    const events = await store.readStream('user-3');
    expect(events.filter((event) => event.type === 'identity.user-registered')).toHaveLength(1);
    expect(events.filter((event) => event.type === 'identity.user-settings-changed')).toHaveLength(
      2,
    );
  });

  it('ignores messages that are not about a user', () => {
    const request = DownloadRequested.create(
      {
        requestId: '01a20b45-c474-73ab-b62e-e8a25ea048d8',
        chatId: 4,
        updateId: 4,
        messageId: 1,
        user: user(4),
        url: 'https://a.example.com/',
        preferredQuality: null,
      },
      { streamId: 'update-4', actor },
    );
    expect(decideRegistration(request, { version: 1n })).toBeUndefined();
    expect(
      decideRegistration(request, { version: null })?.events.map((event) => event.type),
    ).toEqual(['identity.user-registered']);
  });
});
