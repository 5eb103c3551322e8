import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { isRetryable } from '@mediabot/contracts';
import { createBotApi, type RawTelegramClient } from './bot-api.ts';
import type { SendRateLimiter } from './send-rate-limiter.ts';
import { createSendSlots } from './send-slots.ts';
import { TelegramCallError } from './telegram-errors.ts';

class FakeTelegramError extends Error {
  readonly response: {
    error_code: number;
    description: string;
    parameters?: { retry_after: number };
  };
  constructor(errorCode: number, description: string, retryAfter?: number) {
    super(description);
    this.response = {
      error_code: errorCode,
      description,
      ...(retryAfter === undefined ? {} : { parameters: { retry_after: retryAfter } }),
    };
  }
}

/** Answers each call with the next scripted outcome and records what it was sent. */
function scripted(outcomes: unknown[]) {
  const payloads: unknown[] = [];
  const telegram: RawTelegramClient = {
    callApi(_method, payload) {
      payloads.push(payload);
      const next = outcomes.shift();
      return next instanceof Error ? Promise.reject(next) : Promise.resolve(next as never);
    },
  };
  return { telegram, payloads };
}

function recordingLimiter(waits: number[] = []) {
  const pauses: { chatId: number | undefined; ms: number }[] = [];
  const limiter: SendRateLimiter = {
    take: () => Promise.resolve(waits.shift() ?? 0),
    pause: (chatId, ms) => {
      pauses.push({ chatId, ms });
      return Promise.resolve();
    },
  };
  return { limiter, pauses };
}

function sleeper() {
  const slept: number[] = [];
  const sleep = (ms: number) => {
    slept.push(ms);
    return Promise.resolve();
  };
  return { slept, sleep };
}

describe('Bot API client', () => {
  it('waits for retry_after on a 429, pauses the chat for every replica, and tries again', async () => {
    const { telegram, payloads } = scripted([
      new FakeTelegramError(429, 'Too Many Requests: retry after 3', 3),
      { message_id: 9 },
    ]);
    const { limiter, pauses } = recordingLimiter();
    const { slept, sleep } = sleeper();
    const bot = createBotApi({ telegram, limiter, maxWaitMs: 10_000, sleep: (ms) => sleep(ms) });
    const result = await bot.call('sendMessage', { chat_id: 5, text: 'hi' });
    expect(result).toEqual({ message_id: 9 });
    expect(payloads).toHaveLength(2);
    expect(pauses).toEqual([{ chatId: 5, ms: 3000 }]);
    expect(slept).toEqual([3000]);
  });

  it('gives up with a retryable error when the wait would be too long', async () => {
    const { telegram } = scripted([
      new FakeTelegramError(429, 'Too Many Requests: retry after 60', 60),
    ]);
    const { limiter } = recordingLimiter();
    const bot = createBotApi({
      telegram,
      limiter,
      maxWaitMs: 5_000,
      sleep: () => Promise.resolve(),
    });
    const error = await bot
      .call('sendMessage', { chat_id: 5, text: 'hi' })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TelegramCallError);
    expect(error).toMatchObject({ code: 'telegram_rate_limited', retryAfterSeconds: 60 });
    expect(isRetryable(error)).toBe(true);
  });

  it('waits for the shared rate limit before calling', async () => {
    const { telegram } = scripted([{ message_id: 1 }]);
    const { limiter } = recordingLimiter([400, 200]);
    const { slept, sleep } = sleeper();
    const bot = createBotApi({ telegram, limiter, maxWaitMs: 5_000, sleep: (ms) => sleep(ms) });
    await bot.call('editMessageText', { chat_id: 5, message_id: 1, text: 'x' });
    expect(slept).toEqual([400, 200]);
  });

  it('never waits for a call that may be skipped', async () => {
    const { telegram, payloads } = scripted([]);
    const { limiter } = recordingLimiter([400]);
    const bot = createBotApi({
      telegram,
      limiter,
      maxWaitMs: 5_000,
      sleep: () => Promise.resolve(),
    });
    await expect(
      bot.call(
        'editMessageText',
        { chat_id: 5, message_id: 1, text: 'x' },
        { whenLimited: 'skip' },
      ),
    ).rejects.toMatchObject({ code: 'telegram_throttled' });
    expect(payloads).toHaveLength(0);
  });

  it('classifies 4xx as final, 5xx as retryable and a lost connection as an unknown outcome', async () => {
    const lost = Object.assign(
      new Error('request to http://x/bot1:secret/sendMessage failed, reason: socket hang up'),
      {
        type: 'system',
      },
    );
    const { telegram } = scripted([
      new FakeTelegramError(400, 'Bad Request: message is not modified'),
      new FakeTelegramError(502, 'Bad Gateway'),
      lost,
    ]);
    const bot = createBotApi({
      telegram,
      limiter: recordingLimiter().limiter,
      maxWaitMs: 0,
      sleep: () => Promise.resolve(),
    });
    const call = () =>
      bot.call('sendMessage', { chat_id: 1, text: 'x' }).catch((error: unknown) => error);
    expect(await call()).toMatchObject({
      code: 'telegram_rejected',
      errorCode: 400,
      retryable: false,
    });
    expect(await call()).toMatchObject({
      code: 'telegram_unavailable',
      errorCode: 502,
      retryable: true,
    });
    const unknown = await call();
    expect(unknown).toMatchObject({
      code: 'telegram_unreachable',
      outcomeUnknown: true,
      retryable: true,
    });
    expect((unknown as Error).message).not.toContain('secret');
  });

  it('rebuilds an upload for every attempt and closes the stream of the failed one', async () => {
    const { telegram, payloads } = scripted([
      new FakeTelegramError(429, 'Too Many Requests: retry after 1', 1),
      { message_id: 3 },
    ]);
    const streams: Readable[] = [];
    const bot = createBotApi({
      telegram,
      limiter: recordingLimiter().limiter,
      maxWaitMs: 5_000,
      sleep: () => Promise.resolve(),
    });
    await bot.call(
      'sendVideo',
      () => {
        const source = Readable.from([Buffer.from('video')]);
        streams.push(source);
        return Promise.resolve({ chat_id: 5, video: { source, filename: 'v.mp4' } });
      },
      { chatId: 5 },
    );
    expect(payloads).toHaveLength(2);
    expect(streams).toHaveLength(2);
    expect(streams[0]?.destroyed).toBe(true);
    expect(streams[1]?.destroyed).toBe(false);
  });

  it('holds its send slot only while calling, not while it waits for the chat’s budget', async () => {
    const { telegram } = scripted([{ message_id: 1 }, { message_id: 2 }]);
    const slots = createSendSlots(1);
    // Chat 1 has no budget for 1 s; chat 2 has budget.
    const limiter: SendRateLimiter = {
      take: (chatId) => Promise.resolve(chatId === 1 && !budgetBack ? 1000 : 0),
      pause: () => Promise.resolve(),
    };
    let budgetBack = false;
    const order: string[] = [];
    let endWait = () => {};
    const sleep = () =>
      new Promise<void>((resolve) => {
        endWait = () => {
          budgetBack = true;
          resolve();
        };
      });
    const bot = createBotApi({ telegram, limiter, maxWaitMs: 10_000, sleep });
    const waiting = bot
      .call('sendMessage', { chat_id: 1, text: 'a' }, { slots })
      .then(() => order.push('chat 1'));
    await new Promise((resolve) => setTimeout(resolve, 10));
    await bot
      .call('sendMessage', { chat_id: 2, text: 'b' }, { slots })
      .then(() => order.push('chat 2'));
    endWait();
    await waiting;
    expect(order).toEqual(['chat 2', 'chat 1']);
  });
});
