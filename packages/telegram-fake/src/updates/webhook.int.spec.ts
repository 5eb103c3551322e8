import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTelegramDriver, type TelegramDriver } from '../driver/telegram-driver.ts';
import { createTelegramFake, type TelegramFake } from '../server/telegram-fake.ts';
import { callBotApi, resultOf } from '../testing/bot-api-client.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../testing/webhook-receiver.ts';

let fake: TelegramFake;
let driver: TelegramDriver;
let receiver: WebhookReceiver | undefined;

beforeEach(async () => {
  fake = await createTelegramFake({
    timing: { webhookRetryUnitMs: 1, setWebhookIntervalMs: 0 },
  });
  driver = createTelegramDriver(fake);
});
afterEach(async () => {
  await fake.close();
  await receiver?.close();
  receiver = undefined;
});

describe('webhook delivery', () => {
  it('POSTs each update as JSON with the secret token header', async () => {
    receiver = await startWebhookReceiver();
    const set = await callBotApi(fake, 'setWebhook', {
      url: receiver.url,
      secret_token: 'S3cret_token-1',
      max_connections: 5,
    });
    expect(set.body).toEqual({ ok: true, result: true, description: 'Webhook was set' });

    const { update } = driver.user({ id: 7, first_name: 'Max' }).sendText('hello hook');
    const delivered = await receiver.nextRequest();
    await driver.waitForWebhookAttempt(
      (attempt) => attempt.updateId === update?.update_id && attempt.ok,
    );
    expect(delivered.headers['x-telegram-bot-api-secret-token']).toBe('S3cret_token-1');
    expect(delivered.headers['content-type']).toBe('application/json');
    expect(delivered.update.message?.text).toBe('hello hook');

    expect(fake.webhookInfo()).toMatchObject({
      url: receiver.url,
      has_custom_certificate: false,
      pending_update_count: 0,
      ip_address: '127.0.0.1',
      max_connections: 5,
    });
  });

  it('retries an update answered with a non-2xx status, then forgets it once accepted', async () => {
    receiver = await startWebhookReceiver((request, index) => {
      if (index <= 2) request.response.writeHead(500).end();
    });
    await resultOf(fake, 'setWebhook', { url: receiver.url });
    const { update } = driver.user({ id: 7, first_name: 'Max' }).sendText('persist');

    const attempts = [
      await receiver.nextRequest(),
      await receiver.nextRequest(),
      await receiver.nextRequest(),
    ];
    expect(new Set(attempts.map((attempt) => attempt.update.update_id)).size).toBe(1);
    const accepted = await driver.waitForWebhookAttempt((attempt) => attempt.ok);
    expect(accepted).toMatchObject({ updateId: update?.update_id, attempt: 3, status: 200 });
    const info = fake.webhookInfo();
    expect(info.last_error_message).toBe(
      'Wrong response from the webhook: 500 Internal Server Error',
    );
    expect(info.last_error_date).toBeGreaterThan(0);
    expect(info.pending_update_count).toBe(0);
  });

  it("keeps one chat's updates in order while other chats go on", async () => {
    receiver = await startWebhookReceiver(
      (request) => request.update.message?.text !== 'first of chat 1',
    );
    await resultOf(fake, 'setWebhook', { url: receiver.url });
    const one = driver.user({ id: 1, first_name: 'One' });
    const two = driver.user({ id: 2, first_name: 'Two' });
    one.sendText('first of chat 1');
    one.sendText('second of chat 1');
    two.sendText('only of chat 2');

    const held = await receiver.nextRequest();
    expect(held.update.message?.text).toBe('first of chat 1');
    expect((await receiver.nextRequest()).update.message?.text).toBe('only of chat 2');
    expect(receiver.received.map((request) => request.update.message?.text)).not.toContain(
      'second of chat 1',
    );

    held.response.end();
    expect((await receiver.nextRequest()).update.message?.text).toBe('second of chat 1');
  });

  it('runs a method given in the webhook response body', async () => {
    receiver = await startWebhookReceiver((request) => {
      const chatId = request.update.message?.chat.id;
      request.response.writeHead(200, { 'content-type': 'application/json' });
      request.response.end(
        JSON.stringify({ method: 'sendMessage', chat_id: chatId, text: 'answered in the reply' }),
      );
    });
    await resultOf(fake, 'setWebhook', { url: receiver.url });
    const user = driver.user({ id: 9, first_name: 'Rae' });
    user.sendText('ping');
    const call = await driver.waitForBotCall((candidate) => candidate.via === 'webhook-reply');
    expect(call).toMatchObject({ method: 'sendMessage', chatId: user.chatId, httpStatus: 200 });
    expect(user.lastBotMessage()?.message.text).toBe('answered in the reply');
  });
});

describe('setWebhook rules', () => {
  it('checks the secret token', async () => {
    receiver = await startWebhookReceiver();
    expect(
      (await callBotApi(fake, 'setWebhook', { url: receiver.url, secret_token: 'a+b=' })).body,
    ).toEqual({
      ok: false,
      error_code: 400,
      description: 'Bad Request: secret token contains unallowed characters',
    });
    expect(
      (await callBotApi(fake, 'setWebhook', { url: receiver.url, secret_token: 'x'.repeat(257) }))
        .body,
    ).toMatchObject({ description: 'Bad Request: secret token is too long' });
  });

  it('refuses a URL it cannot connect to', async () => {
    receiver = await startWebhookReceiver();
    const url = receiver.url;
    await receiver.close();
    receiver = undefined;
    expect((await callBotApi(fake, 'setWebhook', { url })).body).toEqual({
      ok: false,
      error_code: 400,
      description: 'Bad Request: bad webhook: Connection refused',
    });
    expect(fake.webhookInfo().url).toBe('');
  });

  it('answers 429 to a second new URL within a second', async () => {
    const paced = await createTelegramFake();
    receiver = await startWebhookReceiver();
    try {
      await resultOf(paced, 'setWebhook', { url: receiver.url });
      const again = await callBotApi(paced, 'setWebhook', { url: `${receiver.url}/other` });
      expect(again.status).toBe(429);
      expect(again.headers.get('retry-after')).toBe('1');
      expect(again.body).toEqual({
        ok: false,
        error_code: 429,
        description: 'Too Many Requests: retry after 1',
        parameters: { retry_after: 1 },
      });
    } finally {
      await paced.close();
    }
  });

  it('says when nothing changed, and drops pending updates on request', async () => {
    receiver = await startWebhookReceiver(() => false);
    await resultOf(fake, 'setWebhook', { url: receiver.url });
    expect((await callBotApi(fake, 'setWebhook', { url: receiver.url })).body).toMatchObject({
      description: 'Webhook is already set',
    });
    driver.user({ id: 3, first_name: 'Tia' }).sendText('never confirmed');
    await receiver.nextRequest();
    expect(fake.webhookInfo().pending_update_count).toBe(1);

    expect((await callBotApi(fake, 'deleteWebhook', { drop_pending_updates: true })).body).toEqual({
      ok: true,
      result: true,
      description: 'Webhook was deleted',
    });
    expect(fake.webhookInfo()).toMatchObject({ url: '', pending_update_count: 0 });
    expect((await callBotApi(fake, 'deleteWebhook')).body).toMatchObject({
      description: 'Webhook is already deleted',
    });
  });
});
