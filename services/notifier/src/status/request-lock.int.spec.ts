import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceUrls } from '@mediabot/testing';
import { createRedisRequestLocks } from './request-lock.ts';

let redis: Redis;
beforeAll(async () => {
  redis = new Redis((await serviceUrls()).redis);
});
afterAll(() => redis?.disconnect());

/** The same Redis, counting lock attempts that found the lock taken (each one means a poll). */
function countingBusyAttempts(): { client: Redis; busy: () => number } {
  let busy = 0;
  const client = new Proxy(redis, {
    get(target, property, receiver) {
      if (property === 'set')
        return async (...args: unknown[]) => {
          const result = await (target.set as (...a: unknown[]) => Promise<unknown>)(...args);
          if (result !== 'OK') busy += 1;
          return result;
        };
      return Reflect.get(target, property, receiver) as unknown;
    },
  });
  return { client, busy: () => busy };
}

function gate() {
  let open: () => void = () => {};
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

describe('Redis request locks', () => {
  it('queues handlers of one process for a request without polling Redis', async () => {
    const { client, busy } = countingBusyAttempts();
    const locks = createRedisRequestLocks(client, { keyPrefix: `test:lock:${randomUUID()}` });
    const order: string[] = [];
    const first = gate();
    const running = locks.withLock('request-1', async () => {
      order.push('first starts');
      await first.opened;
      order.push('first ends');
    });
    const waiting = locks.withLock('request-1', () => {
      order.push('second runs');
      return Promise.resolve();
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    first.open();
    await Promise.all([running, waiting]);
    expect(order).toEqual(['first starts', 'first ends', 'second runs']);
    expect(busy()).toBe(0);
  });

  it('still keeps two replicas from working on the same request at once', async () => {
    const keyPrefix = `test:lock:${randomUUID()}`;
    const [replicaA, replicaB] = [
      createRedisRequestLocks(redis, { keyPrefix }),
      createRedisRequestLocks(redis, { keyPrefix }),
    ];
    const order: string[] = [];
    const first = gate();
    const running = replicaA.withLock('request-2', async () => {
      order.push('A starts');
      await first.opened;
      order.push('A ends');
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const waiting = replicaB.withLock('request-2', () => {
      order.push('B runs');
      return Promise.resolve();
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(order).toEqual(['A starts']);
    first.open();
    await Promise.all([running, waiting]);
    expect(order).toEqual(['A starts', 'A ends', 'B runs']);
  });

  it('lets different requests run at the same time', async () => {
    const locks = createRedisRequestLocks(redis, { keyPrefix: `test:lock:${randomUUID()}` });
    const first = gate();
    let secondRan = false;
    const running = locks.withLock('request-3', () => first.opened);
    await locks.withLock('request-4', () => {
      secondRan = true;
      return Promise.resolve();
    });
    expect(secondRan).toBe(true);
    first.open();
    await running;
  });
});
