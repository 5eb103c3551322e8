import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Message } from '../bot-api/types.ts';
import { callBotApi, resultOf } from '../testing/bot-api-client.ts';
import { createTelegramDriver } from '../driver/telegram-driver.ts';
import { createTelegramFake, type TelegramFake } from './telegram-fake.ts';

let fake: TelegramFake;

beforeEach(async () => {
  fake = await createTelegramFake({ token: '123456:AAHfake-token-for-tests-0123456789abc' });
  createTelegramDriver(fake).user({ id: 501, first_name: 'Ann' }).sendText('hi');
});
afterEach(() => fake.close());

describe('Bot API HTTP surface', () => {
  it('listens on loopback and answers getMe in the Bot API envelope', async () => {
    expect(fake.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const answer = await callBotApi(fake, 'getMe');
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('application/json');
    expect(answer.body).toEqual({
      ok: true,
      result: expect.objectContaining({
        id: 123456,
        is_bot: true,
        username: 'mediabot_fake_bot',
      }) as unknown,
    });
  });

  it('refuses an unknown token with 401 and an unknown method with 404', async () => {
    const wrongToken = await fetch(`${fake.url}/bot123456:wrong/getMe`);
    expect(wrongToken.status).toBe(401);
    expect(await wrongToken.json()).toEqual({
      ok: false,
      error_code: 401,
      description: 'Unauthorized',
    });

    const unknownMethod = await callBotApi(fake, 'sendTelepathy');
    expect(unknownMethod.status).toBe(404);
    expect(unknownMethod.body).toEqual({ ok: false, error_code: 404, description: 'Not Found' });

    expect((await fetch(`${fake.url}/elsewhere`)).status).toBe(404);
  });

  it('reads method names in any case, and the /test/ environment path', async () => {
    expect((await callBotApi(fake, 'GETME')).body.ok).toBe(true);
    expect((await fetch(`${fake.url}/bot${fake.token}/test/getMe`)).status).toBe(200);
  });

  it('takes arguments as JSON, urlencoded form, multipart form or query string', async () => {
    const keyboard = { inline_keyboard: [[{ text: 'A', callback_data: 'a' }]] };
    for (const style of ['json', 'form', 'multipart', 'query'] as const) {
      const sent = await resultOf<Message>(
        fake,
        'sendMessage',
        {
          chat_id: '501',
          text: `via ${style}`,
          reply_markup: keyboard,
          disable_notification: 'true',
        },
        { style },
      );
      expect(sent.text).toBe(`via ${style}`);
      expect(sent.reply_markup).toEqual(keyboard);
    }
  });

  it('answers a body it cannot read with 400', async () => {
    const response = await fetch(fake.methodUrl('sendMessage'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"chat_id": 501,',
    });
    expect(response.status).toBe(400);
  });

  it('records every call and emits it', async () => {
    const seen: string[] = [];
    fake.events.on('call', (call) => seen.push(call.method));
    await callBotApi(fake, 'sendmessage', { chat_id: 501, text: 'x' });
    expect(seen).toEqual(['sendMessage']);
    expect(fake.calls.at(-1)).toMatchObject({
      method: 'sendMessage',
      chatId: 501,
      via: 'http',
      httpStatus: 200,
    });
  });
});
