import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceUrls } from '@mediabot/testing';
import { createRedisStatusRedraws, type StatusRedraws } from './status-redraws.ts';

let redis: Redis;
let key: string;
let redraws: StatusRedraws;

beforeAll(async () => {
  redis = new Redis((await serviceUrls()).redis, { lazyConnect: true });
  await redis.connect();
  key = `test:status-redraws:${randomUUID()}`;
  redraws = createRedisStatusRedraws(redis, key);
});
afterAll(async () => {
  await redis.del(key, `${key}:leases`);
  redis.disconnect();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('status redraws in Redis', () => {
  it('hands a due redraw to one claimer and forgets it once done', async () => {
    await redraws.schedule('a', 0);
    await redraws.schedule('a', 60_000); // a later time never postpones a noted one
    const [claimed, ...more] = await redraws.claimDue(10, 30_000);
    expect(claimed?.requestId).toBe('a');
    expect(more).toEqual([]);
    expect(await redraws.claimDue(10, 30_000)).toEqual([]);
    await redraws.done(claimed!);
    expect(await redis.zscore(key, 'a')).toBeNull();
    expect(await redis.hget(`${key}:leases`, 'a')).toBeNull();
  });

  it('keeps a redraw its claimer deferred again, even for longer than the lease', async () => {
    await redraws.schedule('b', 0);
    const [claimed] = await redraws.claimDue(10, 200);
    // The redraw had no budget again: Telegram asks to wait longer than the lease lasts.
    await redraws.schedule('b', 60_000);
    await redraws.done(claimed!);
    const due = Number(await redis.zscore(key, 'b'));
    expect(due - claimed!.leaseUntil).toBeGreaterThan(50_000);
    await sleep(300);
    expect(await redraws.claimDue(10, 200)).toEqual([]); // not due before its new time
  });

  it('gives a claimed redraw whose claimer died to the next claimer after the lease', async () => {
    await redraws.schedule('c', 0);
    const [first] = await redraws.claimDue(10, 150);
    expect(first?.requestId).toBe('c');
    await sleep(250);
    const [again] = await redraws.claimDue(10, 30_000);
    expect(again?.requestId).toBe('c');
    // The dead claimer's late `done` does not remove the live claim.
    await redraws.done(first!);
    expect(await redis.zscore(key, 'c')).not.toBeNull();
    await redraws.done(again!);
    expect(await redis.zscore(key, 'c')).toBeNull();
  });
});
