import type { Redis } from 'ioredis';

export type RateLimitVerdict =
  | { limited: false }
  /** `firstRefusal`: the first refused request of this window, the only one the user is told about. */
  | { limited: true; retryAfterSeconds: number; firstRefusal: boolean };

export interface RateLimiter {
  take(telegramUserId: number): Promise<RateLimitVerdict>;
}

// Both counters move in one round trip, atomically, so every replica sees the same budget.
const takeScript = `
local user = redis.call('INCR', KEYS[1])
if user == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local global = redis.call('INCR', KEYS[2])
if global == 1 then redis.call('PEXPIRE', KEYS[2], ARGV[1]) end
return { user, global, redis.call('PTTL', KEYS[1]), redis.call('PTTL', KEYS[2]) }
`;

/**
 * Fixed one-minute windows in Redis: per user and for the whole bot (seed S1: about 1000
 * requests a minute overall). Shared by all gateway replicas.
 */
export function createRateLimiter(
  redis: Redis,
  options: {
    perUserPerMinute: number;
    globalPerMinute: number;
    keyPrefix?: string;
    now?: () => number;
  },
): RateLimiter {
  const windowMs = 60_000;
  const prefix = options.keyPrefix ?? 'mediabot:rate';
  const now = options.now ?? Date.now;
  return {
    async take(telegramUserId) {
      const window = Math.floor(now() / windowMs);
      const [user, global, userTtl, globalTtl] = (await redis.eval(
        takeScript,
        2,
        `${prefix}:user:${telegramUserId}:${window}`,
        `${prefix}:global:${window}`,
        String(windowMs),
      )) as [number, number, number, number];
      const overUser = user > options.perUserPerMinute;
      const overGlobal = global > options.globalPerMinute;
      if (!overUser && !overGlobal) return { limited: false };
      const ttl = Math.max(overUser ? userTtl : 0, overGlobal ? globalTtl : 0, 1000);
      return {
        limited: true,
        retryAfterSeconds: Math.ceil(ttl / 1000),
        firstRefusal: overUser
          ? user === options.perUserPerMinute + 1
          : global === options.globalPerMinute + 1,
      };
    },
  };
}
