import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { serviceUrls } from '@mediabot/testing';
import { createRateLimiter } from './rate-limiter.ts';

const redis = new Redis((await serviceUrls()).redis);
afterAll(() => redis.quit());

describe('rate limiter (Redis, shared by replicas)', () => {
  it('lets a user make N requests a minute, then refuses with the time left, telling them once', async () => {
    const keyPrefix = `test:${randomUUID()}`;
    const now = () => 1_700_000_010_000;
    const limiter = createRateLimiter(redis, {
      perUserPerMinute: 3,
      globalPerMinute: 1000,
      keyPrefix,
      now,
    });
    const verdicts = [];
    for (let i = 0; i < 5; i++) verdicts.push(await limiter.take(1));
    expect(verdicts.slice(0, 3)).toEqual([
      { limited: false },
      { limited: false },
      { limited: false },
    ]);
    expect(verdicts[3]).toMatchObject({ limited: true, firstRefusal: true });
    expect(verdicts[4]).toMatchObject({ limited: true, firstRefusal: false });
    const retry = verdicts[3] as { retryAfterSeconds: number };
    expect(retry.retryAfterSeconds).toBeGreaterThan(0);
    expect(retry.retryAfterSeconds).toBeLessThanOrEqual(60);
    expect(await limiter.take(2)).toEqual({ limited: false });
  });

  it('applies a global budget across users, seen the same by two replicas', async () => {
    const keyPrefix = `test:${randomUUID()}`;
    const other = new Redis((await serviceUrls()).redis);
    const replicaA = createRateLimiter(redis, {
      perUserPerMinute: 100,
      globalPerMinute: 4,
      keyPrefix,
    });
    const replicaB = createRateLimiter(other, {
      perUserPerMinute: 100,
      globalPerMinute: 4,
      keyPrefix,
    });
    const verdicts = await Promise.all(
      [1, 2, 3, 4, 5, 6].map((user) => (user % 2 ? replicaA : replicaB).take(user)),
    );
    expect(verdicts.filter((verdict) => verdict.limited)).toHaveLength(2);
    await other.quit();
  });
});
