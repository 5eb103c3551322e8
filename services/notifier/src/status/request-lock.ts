import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { AppError } from '@mediabot/contracts';

/**
 * Serialises the work on one request (read its row, render, edit its status message, save) across
 * handlers and replicas, so a slower handler never overwrites a newer state on screen.
 */
export interface RequestLocks {
  withLock<T>(requestId: string, work: () => Promise<T>): Promise<T>;
}

const releaseScript = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;
const extendScript = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;

export interface RedisLockOptions {
  keyPrefix?: string;
  /** The lock expires if its holder dies; it is extended while the work runs. */
  leaseMs?: number;
  /** How long to wait for a busy lock before giving up with a retryable error. */
  waitMs?: number;
}

/**
 * Handlers of this process queue for a request among themselves first, so the next one starts
 * the moment the previous one releases; only replicas contending for the same request poll Redis.
 */
export function createRedisRequestLocks(
  redis: Redis,
  options: RedisLockOptions = {},
): RequestLocks {
  const inProcess = createLocalRequestLocks();
  const acrossReplicas = createPollingRedisLocks(redis, options);
  return {
    withLock: (requestId, work) =>
      inProcess.withLock(requestId, () => acrossReplicas.withLock(requestId, work)),
  };
}

function createPollingRedisLocks(redis: Redis, options: RedisLockOptions): RequestLocks {
  const prefix = options.keyPrefix ?? 'mediabot:notifier:lock:request';
  const leaseMs = options.leaseMs ?? 30_000;
  const waitMs = options.waitMs ?? 20_000;
  return {
    async withLock(requestId, work) {
      const key = `${prefix}:${requestId}`;
      const token = randomUUID();
      const deadline = Date.now() + waitMs;
      let pause = 10;
      while ((await redis.set(key, token, 'PX', leaseMs, 'NX')) !== 'OK') {
        if (Date.now() > deadline) {
          throw new AppError('request_busy', `Request ${requestId} stayed locked`, {
            retryable: true,
          });
        }
        await new Promise((resolve) => setTimeout(resolve, pause));
        pause = Math.min(100, pause * 2);
      }
      const renewal = setInterval(() => {
        redis.eval(extendScript, 1, key, token, String(leaseMs)).catch(() => undefined);
      }, leaseMs / 3);
      renewal.unref();
      try {
        return await work();
      } finally {
        clearInterval(renewal);
        await redis.eval(releaseScript, 1, key, token).catch(() => undefined);
      }
    },
  };
}

/** One process only (unit tests): a promise chain per request. */
export function createLocalRequestLocks(): RequestLocks {
  const tails = new Map<string, Promise<unknown>>();
  return {
    async withLock(requestId, work) {
      const previous = tails.get(requestId) ?? Promise.resolve();
      const run = previous.catch(() => undefined).then(work);
      tails.set(requestId, run);
      try {
        return await run;
      } finally {
        if (tails.get(requestId) === run) tails.delete(requestId);
      }
    },
  };
}
