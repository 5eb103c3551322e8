import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTelegramDriver, type SimulatedUserHandle } from '../driver/telegram-driver.ts';
import { createTelegramFake, type TelegramFake } from '../server/telegram-fake.ts';
import { callBotApi } from '../testing/bot-api-client.ts';

let fake: TelegramFake;
let alice: SimulatedUserHandle;
let bob: SimulatedUserHandle;

beforeEach(async () => {
  fake = await createTelegramFake();
  const driver = createTelegramDriver(fake);
  alice = driver.user({ id: 1, first_name: 'Alice' });
  bob = driver.user({ id: 2, first_name: 'Bob' });
  alice.sendText('hi');
  bob.sendText('hi');
});
afterEach(() => fake.close());

const sendTo = (user: SimulatedUserHandle, text = 'x') =>
  callBotApi(fake, 'sendMessage', { chat_id: user.chatId, text });

describe('injected faults', () => {
  it('answers 429 with retry_after the programmed number of times, for that chat only', async () => {
    const fault = fake.faults.tooManyRequests(
      { method: 'sendMessage', chatId: alice.chatId },
      7,
      1,
    );
    expect((await sendTo(bob)).status).toBe(200);
    const limited = await sendTo(alice);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('7');
    expect(limited.body).toEqual({
      ok: false,
      error_code: 429,
      description: 'Too Many Requests: retry after 7',
      parameters: { retry_after: 7 },
    });
    expect((await sendTo(alice)).status).toBe(200);
    expect(fault.hits).toBe(1);
    expect(fake.transcript(alice.chatId).filter((entry) => entry.sender === 'bot')).toHaveLength(1);
    expect(fake.calls.find((call) => call.httpStatus === 429)?.fault).toBe('too-many-requests');
  });

  it('answers 500 and 502 like Telegram and its proxy do', async () => {
    fake.faults.serverError({ method: 'getMe' }, 1);
    fake.faults.add({ method: 'getMe', effect: { kind: 'bad-gateway' }, times: 1 });
    const internal = await callBotApi(fake, 'getMe');
    expect(internal.status).toBe(500);
    expect(internal.body).toEqual({
      ok: false,
      error_code: 500,
      description: 'Internal Server Error',
    });
    const gateway = await fetch(fake.methodUrl('getMe'));
    expect(gateway.status).toBe(502);
    expect(gateway.headers.get('content-type')).toBe('text/html');
    expect((await callBotApi(fake, 'getMe')).status).toBe(200);
  });

  it('answers slowly, then normally', async () => {
    fake.faults.delay({ method: 'sendMessage' }, 30, 1);
    expect((await sendTo(alice)).status).toBe(200);
    expect(fake.calls.at(-1)).toMatchObject({
      method: 'sendMessage',
      fault: 'delay',
      httpStatus: 200,
    });
  });

  it('drops the connection after the message was sent, so a retry would duplicate it', async () => {
    fake.faults.add({
      method: 'sendMessage',
      effect: { kind: 'disconnect', afterApplying: true },
      times: 1,
    });
    await expect(sendTo(alice, 'sent but unanswered')).rejects.toThrow();
    expect(alice.lastBotMessage()?.message.text).toBe('sent but unanswered');
  });

  it('returns any Bot API error, e.g. a block the test decides on', async () => {
    fake.faults.add({
      chatId: bob.chatId,
      effect: {
        kind: 'error',
        errorCode: 403,
        description: 'Forbidden: bot was blocked by the user',
      },
    });
    expect((await sendTo(bob)).body).toMatchObject({ error_code: 403 });
    fake.faults.clear();
    expect((await sendTo(bob)).status).toBe(200);
  });
});

describe('flood control', () => {
  it('lets a chat burst, then answers 429 while other chats still get through', async () => {
    const time = { now: Date.now() };
    const paced = await createTelegramFake({
      clock: { now: () => time.now },
      rateLimit: { perChatBurst: 3, perChatPerSecond: 1 },
    });
    try {
      const carol = createTelegramDriver(paced).user({ id: 3, first_name: 'Carol' });
      const dave = createTelegramDriver(paced).user({ id: 4, first_name: 'Dave' });
      carol.sendText('hi');
      dave.sendText('hi');
      const send = (chatId: number) =>
        callBotApi(paced, 'sendMessage', { chat_id: chatId, text: 'x' });
      const statuses = [];
      for (let index = 0; index < 4; index += 1) statuses.push((await send(carol.chatId)).status);
      expect(statuses).toEqual([200, 200, 200, 429]);
      expect(paced.calls.at(-1)?.response).toMatchObject({
        ok: false,
        parameters: { retry_after: 1 },
      });
      expect((await send(dave.chatId)).status).toBe(200);
      time.now += 1000;
      expect((await send(carol.chatId)).status).toBe(200);
      expect((await send(carol.chatId)).status).toBe(429);
      paced.disableRateLimit();
      expect((await send(carol.chatId)).status).toBe(200);
    } finally {
      await paced.close();
    }
  });
});
