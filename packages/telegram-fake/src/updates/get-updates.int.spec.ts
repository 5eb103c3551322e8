import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Update } from '../bot-api/types.ts';
import { createTelegramDriver, type SimulatedUserHandle } from '../driver/telegram-driver.ts';
import { createTelegramFake, type TelegramFake } from '../server/telegram-fake.ts';
import { callBotApi, resultOf } from '../testing/bot-api-client.ts';
import {
  CONFLICT_OTHER_POLLER,
  CONFLICT_SET_WEBHOOK,
  CONFLICT_WEBHOOK_ACTIVE,
} from './long-poll.ts';

let fake: TelegramFake;
let user: SimulatedUserHandle;

beforeEach(async () => {
  fake = await createTelegramFake({ firstUpdateId: 1000 });
  user = createTelegramDriver(fake).user({ id: 42, first_name: 'Eve', language_code: 'en' });
});
afterEach(() => fake.close());

const updateIds = (updates: Update[]): number[] => updates.map((update) => update.update_id);
const getUpdates = (args: Record<string, unknown> = {}): Promise<Update[]> =>
  resultOf<Update[]>(fake, 'getUpdates', args);

describe('getUpdates', () => {
  it('keeps updates until an offset above them confirms them', async () => {
    user.sendText('one');
    user.sendText('two');
    user.sendText('three');
    expect(updateIds(await getUpdates())).toEqual([1000, 1001, 1002]);
    expect(updateIds(await getUpdates({ limit: 1 }))).toEqual([1000]);
    expect(updateIds(await getUpdates({ offset: 1002 }))).toEqual([1002]);
    expect(updateIds(await getUpdates())).toEqual([1002]);
    expect(fake.webhookInfo().pending_update_count).toBe(1);
    expect(updateIds(await getUpdates({ offset: 1003 }))).toEqual([]);
  });

  it('reads a negative offset from the end and forgets what is before it', async () => {
    for (const text of ['a', 'b', 'c', 'd']) user.sendText(text);
    expect(updateIds(await getUpdates({ offset: -1 }))).toEqual([1003]);
    expect(updateIds(await getUpdates())).toEqual([1003]);
  });

  it('delivers the message as Telegram shapes it, command entity included', async () => {
    user.sendText('/start ref_1');
    const [update] = await getUpdates();
    expect(update?.message).toMatchObject({
      message_id: 1,
      from: { id: 42, is_bot: false, first_name: 'Eve', language_code: 'en' },
      chat: { id: 42, type: 'private', first_name: 'Eve' },
      text: '/start ref_1',
      entities: [{ type: 'bot_command', offset: 0, length: 6 }],
    });
  });

  it('answers a long poll as soon as an update arrives', async () => {
    const waiting = once(fake.events, 'polling');
    const poll = getUpdates({ timeout: 50 });
    await waiting;
    user.sendText('wake up');
    expect((await poll).map((update) => update.message?.text)).toEqual(['wake up']);
  });

  it('ends the waiting poll with 409 when a second poller comes', async () => {
    const firstWaiting = once(fake.events, 'polling');
    const first = callBotApi(fake, 'getUpdates', { timeout: 50 });
    await firstWaiting;
    const secondWaiting = once(fake.events, 'polling');
    const second = getUpdates({ timeout: 50 });
    await secondWaiting;

    const conflict = await first;
    expect(conflict.status).toBe(409);
    expect(conflict.body).toEqual({
      ok: false,
      error_code: 409,
      description: `Conflict: ${CONFLICT_OTHER_POLLER}`,
    });
    user.sendText('for the second');
    expect((await second).map((update) => update.message?.text)).toEqual(['for the second']);
  });

  it('filters by allowed_updates from now on, and remembers the setting', async () => {
    await getUpdates({ allowed_updates: ['callback_query'] });
    user.sendText('ignored');
    expect(await getUpdates({ offset: -1 })).toEqual([]);
    await getUpdates({ allowed_updates: [] });
    user.sendText('seen');
    expect((await getUpdates()).map((update) => update.message?.text)).toEqual(['seen']);
  });

  it('makes a quick repeat of an empty short poll wait, as Telegram does against busy loops', async () => {
    expect(await getUpdates({ offset: 5 })).toEqual([]);
    const waiting = once(fake.events, 'polling');
    const repeated = getUpdates({ offset: 5 });
    await waiting;
    user.sendText('ends the wait');
    expect((await repeated).map((update) => update.message?.text)).toEqual(['ends the wait']);
  });

  describe('with a webhook', () => {
    let receiver: Server;
    let hookUrl: string;
    beforeEach(async () => {
      receiver = createServer((_request, response) => response.end());
      receiver.listen(0, '127.0.0.1');
      await once(receiver, 'listening');
      hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    });
    afterEach(async () => {
      await fake.close();
      receiver.close();
    });

    it('setWebhook ends a waiting poll with 409', async () => {
      const waiting = once(fake.events, 'polling');
      const poll = callBotApi(fake, 'getUpdates', { timeout: 50 });
      await waiting;
      await resultOf(fake, 'setWebhook', { url: hookUrl });
      expect((await poll).body).toEqual({
        ok: false,
        error_code: 409,
        description: `Conflict: ${CONFLICT_SET_WEBHOOK}`,
      });
    });

    it('refuses getUpdates while the webhook is set', async () => {
      await resultOf(fake, 'setWebhook', { url: hookUrl });
      const refused = await callBotApi(fake, 'getUpdates');
      expect(refused.status).toBe(409);
      expect(refused.body).toMatchObject({ description: `Conflict: ${CONFLICT_WEBHOOK_ACTIVE}` });
    });
  });
});
