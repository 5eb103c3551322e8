import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceUrls } from '@mediabot/testing';
import { createRedisSendRateLimiter, type RateLimits } from './send-rate-limiter.ts';

let redis: Redis;
beforeAll(async () => {
  redis = new Redis((await serviceUrls()).redis);
});
afterAll(() => redis?.disconnect());

const limits: RateLimits = { perChatPerSecond: 1, perChatBurst: 3, globalPerSecond: 30 };
/** Two replicas: two limiters on the same Redis keys. */
const replicas = (options: RateLimits = limits) => {
  const prefix = `test:limiter:${randomUUID()}`;
  return [
    createRedisSendRateLimiter(redis, options, prefix),
    createRedisSendRateLimiter(redis, options, prefix),
  ] as const;
};

describe('Redis send rate limiter', () => {
  it('lets a chat burst, then paces it at its rate, across replicas', async () => {
    const [first, second] = replicas();
    expect(await first.take(1)).toBe(0);
    expect(await second.take(1)).toBe(0);
    expect(await first.take(1)).toBe(0);
    const wait = await second.take(1);
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(1000);
    // Other chats have their own budget.
    expect(await first.take(2)).toBe(0);
  });

  it('keeps a reserve for calls that ask for one (a status edit leaves the last call to the file)', async () => {
    const [first, second] = replicas();
    expect(await first.take(1, 1)).toBe(0);
    expect(await second.take(1, 1)).toBe(0);
    // One call left: an edit keeping one in reserve waits for the next, the file takes it now.
    const editWait = await first.take(1, 1);
    expect(editWait).toBeGreaterThan(0);
    expect(editWait).toBeLessThanOrEqual(1000);
    expect(await second.take(1)).toBe(0);
    expect(await first.take(1)).toBeGreaterThan(0);
  });

  it('holds the whole bot to the global rate', async () => {
    const [first, second] = replicas({
      perChatPerSecond: 100,
      perChatBurst: 100,
      globalPerSecond: 4,
    });
    const waits = [];
    for (let chat = 1; chat <= 6; chat += 1)
      waits.push(await (chat % 2 ? first : second).take(chat));
    expect(waits.slice(0, 4)).toEqual([0, 0, 0, 0]);
    expect(waits[4]).toBeGreaterThan(0);
    expect(waits[4]).toBeLessThanOrEqual(250);
  });

  it('leaves a quarter of the bot’s budget to replies: background calls wait while replies go', async () => {
    const [first, second] = replicas({
      perChatPerSecond: 100,
      perChatBurst: 100,
      globalPerSecond: 8,
    });
    // 8 calls of budget, 2 of them (a quarter) kept for replies.
    for (let chat = 1; chat <= 6; chat += 1) expect(await first.take(chat, 0, true)).toBe(0);
    const editWait = await second.take(7, 0, true);
    expect(editWait).toBeGreaterThan(0);
    expect(editWait).toBeLessThanOrEqual(125);
    expect(await second.take(8)).toBe(0);
    expect(await first.take(9)).toBe(0);
    expect(await first.take(10)).toBeGreaterThan(0);
  });

  it('stops a chat for retry_after everywhere, and a shorter pause never shortens a longer one', async () => {
    const [first, second] = replicas({
      perChatPerSecond: 100,
      perChatBurst: 100,
      globalPerSecond: 1000,
    });
    await first.pause(7, 5000);
    await second.pause(7, 1000);
    const wait = await second.take(7);
    expect(wait).toBeGreaterThan(4000);
    expect(wait).toBeLessThanOrEqual(5000);
    expect(await first.take(8)).toBe(0);
    await first.pause(undefined, 3000);
    expect(await second.take(8)).toBeGreaterThan(2000);
  });
});
