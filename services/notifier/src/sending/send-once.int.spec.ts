import { type Kysely, sql, WithSchemaPlugin } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateServiceSchema } from '@mediabot/event-service';
import { createTestDatabase, type TestDatabase } from '@mediabot/testing';
import { migrations } from '../migrations.ts';
import type { NotifierTables } from '../state/tables.ts';
import { TelegramCallError } from '../telegram/telegram-errors.ts';
import { createSentMessages, type SentMessages } from './send-once.ts';

let database: TestDatabase;
let db: Kysely<NotifierTables>;
let sent: SentMessages;
let counter = 0;

beforeAll(async () => {
  database = await createTestDatabase();
  await migrateServiceSchema(database.db, 'notifier', migrations);
  db = (database.db as Kysely<NotifierTables>).withPlugin(new WithSchemaPlugin('notifier'));
  sent = createSentMessages(db, { heartbeatMs: 50, staleAfterMs: 300 });
});
afterAll(() => database?.drop());

const key = () => `test:${++counter}`;
/** A send that counts its calls and answers with message ids 100, 101, … */
function counting() {
  const calls = { count: 0 };
  return {
    calls,
    send: () => Promise.resolve({ messageId: 100 + calls.count++, fileId: 'file' }),
  };
}
const noAnswer = () =>
  new TelegramCallError('telegram_unreachable', {
    method: 'sendMessage',
    errorCode: null,
    description: 'socket hang up',
    outcomeUnknown: true,
  });
const rejected = () =>
  new TelegramCallError('telegram_rejected', {
    method: 'sendMessage',
    errorCode: 400,
    description: 'Bad Request: chat not found',
  });

async function abandonMidCall(id: string): Promise<void> {
  // What a process that died during the Bot API call leaves: a 'sending' row nobody renews.
  await db
    .insertInto('sent_messages')
    .values({
      idempotency_key: id,
      chat_id: 1,
      state: 'sending',
      heartbeat_at: sql`now() - interval '1 hour'`,
    })
    .execute();
}

describe('sendOnce', () => {
  it('sends once: a second handling finds the message and reports it', async () => {
    const id = key();
    const { calls, send } = counting();
    const first = await sent.sendOnce({
      key: id,
      chatId: 1,
      ifOutcomeUnknown: 'assume-sent',
      send,
    });
    const second = await sent.sendOnce({
      key: id,
      chatId: 1,
      ifOutcomeUnknown: 'assume-sent',
      send,
    });
    expect(calls.count).toBe(1);
    expect(first).toMatchObject({ kind: 'sent', messageId: 100, fileId: 'file', sentNow: true });
    expect(second).toMatchObject({ kind: 'sent', messageId: 100, sentNow: false });
    if (first.kind === 'sent' && second.kind === 'sent')
      expect(second.completedAt.getTime()).toBe(first.completedAt.getTime());
  });

  it('makes a concurrent handling of the same key wait (retryable) instead of sending', async () => {
    const id = key();
    let release: (() => void) | undefined;
    const slow = sent.sendOnce({
      key: id,
      chatId: 1,
      ifOutcomeUnknown: 'assume-sent',
      send: () => new Promise((resolve) => (release = () => resolve({ messageId: 1 }))),
    });
    await expect.poll(() => release !== undefined).toBe(true);
    const { calls, send } = counting();
    await expect(
      sent.sendOnce({ key: id, chatId: 1, ifOutcomeUnknown: 'assume-sent', send }),
    ).rejects.toMatchObject({ code: 'send_in_progress', retryable: true });
    release?.();
    await slow;
    expect(calls.count).toBe(0);
  });

  it('sends again after a definite failure', async () => {
    const id = key();
    await expect(
      sent.sendOnce({
        key: id,
        chatId: 1,
        ifOutcomeUnknown: 'assume-sent',
        send: () => Promise.reject(rejected()),
      }),
    ).rejects.toThrow('chat not found');
    const { calls, send } = counting();
    expect(
      await sent.sendOnce({ key: id, chatId: 1, ifOutcomeUnknown: 'assume-sent', send }),
    ).toMatchObject({
      kind: 'sent',
      sentNow: true,
    });
    expect(calls.count).toBe(1);
  });

  it('does not risk a second text after an unanswered call, but does resend a file', async () => {
    const text = key();
    await expect(
      sent.sendOnce({
        key: text,
        chatId: 1,
        ifOutcomeUnknown: 'assume-sent',
        send: () => Promise.reject(noAnswer()),
      }),
    ).rejects.toThrow('socket hang up');
    const textRetry = counting();
    expect(
      await sent.sendOnce({
        key: text,
        chatId: 1,
        ifOutcomeUnknown: 'assume-sent',
        send: textRetry.send,
      }),
    ).toEqual({ kind: 'unknown' });
    expect(textRetry.calls.count).toBe(0);

    const file = key();
    await expect(
      sent.sendOnce({
        key: file,
        chatId: 1,
        ifOutcomeUnknown: 'send-again',
        send: () => Promise.reject(noAnswer()),
      }),
    ).rejects.toThrow('socket hang up');
    const fileRetry = counting();
    expect(
      await sent.sendOnce({
        key: file,
        chatId: 1,
        ifOutcomeUnknown: 'send-again',
        send: fileRetry.send,
      }),
    ).toMatchObject({ kind: 'sent', sentNow: true });
    expect(fileRetry.calls.count).toBe(1);
  });

  it('recognises a send abandoned by a dead process once its heartbeat is stale', async () => {
    const text = key();
    await abandonMidCall(text);
    const textRetry = counting();
    expect(
      await sent.sendOnce({
        key: text,
        chatId: 1,
        ifOutcomeUnknown: 'assume-sent',
        send: textRetry.send,
      }),
    ).toEqual({ kind: 'unknown' });
    expect(textRetry.calls.count).toBe(0);

    const file = key();
    await abandonMidCall(file);
    const fileRetry = counting();
    expect(
      await sent.sendOnce({
        key: file,
        chatId: 1,
        ifOutcomeUnknown: 'send-again',
        send: fileRetry.send,
      }),
    ).toMatchObject({ kind: 'sent', sentNow: true });
    expect(fileRetry.calls.count).toBe(1);
  });

  it('renews the heartbeat of a long send, so nobody takes it over', async () => {
    const id = key();
    let release: (() => void) | undefined;
    const slow = sent.sendOnce({
      key: id,
      chatId: 1,
      ifOutcomeUnknown: 'send-again',
      send: () => new Promise((resolve) => (release = () => resolve({ messageId: 7 }))),
    });
    await expect.poll(() => release !== undefined).toBe(true);
    const heartbeat = () =>
      db
        .selectFrom('sent_messages')
        .select('heartbeat_at')
        .where('idempotency_key', '=', id)
        .executeTakeFirstOrThrow()
        .then((row) => new Date(row.heartbeat_at).getTime());
    const reserved = await heartbeat();
    await expect.poll(heartbeat).toBeGreaterThan(reserved);
    const other = counting();
    await expect(
      sent.sendOnce({ key: id, chatId: 1, ifOutcomeUnknown: 'send-again', send: other.send }),
    ).rejects.toMatchObject({ code: 'send_in_progress' });
    release?.();
    await expect(slow).resolves.toMatchObject({ messageId: 7 });
    expect(other.calls.count).toBe(0);
  });
});
