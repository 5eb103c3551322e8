import type { Redis } from 'ioredis';

/**
 * Status edits that had no sending budget: instead of waiting in a handler (and holding its
 * consumer slot), the request is noted here and redrawn once its chat has budget again. A redraw
 * renders the request's newest facts, so several deferred edits of one message become one.
 * Kept in Redis, shared by replicas; a claimed redraw whose replica dies comes due again after
 * its lease.
 */
export interface StatusRedraws {
  /** Redraw the request's status message in `delayMs` (an earlier due time already noted stays). */
  schedule(requestId: string, delayMs: number): Promise<void>;
  /** Takes up to `limit` due redraws; each must be confirmed with `done`, or it comes back after `leaseMs`. */
  claimDue(limit: number, leaseMs: number): Promise<ClaimedRedraw[]>;
  done(redraw: ClaimedRedraw): Promise<void>;
}

export interface ClaimedRedraw {
  requestId: string;
  /** The lease's due time: `done` removes the entry only if nobody rescheduled it since. */
  leaseUntil: number;
}

const nowMs = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

const scheduleScript = `${nowMs}
redis.call('ZADD', KEYS[1], 'LT', now + tonumber(ARGV[2]), ARGV[1])
return 0`;

const claimScript = `${nowMs}
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[1]))
local lease = now + tonumber(ARGV[2])
local claimed = {}
for _, id in ipairs(due) do
  redis.call('ZADD', KEYS[1], lease, id)
  table.insert(claimed, id)
end
return {lease, claimed}`;

const doneScript = `
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if score and tonumber(score) == tonumber(ARGV[2]) then redis.call('ZREM', KEYS[1], ARGV[1]) end
return 0`;

export function createRedisStatusRedraws(redis: Redis, key: string): StatusRedraws {
  return {
    async schedule(requestId, delayMs) {
      await redis.eval(scheduleScript, 1, key, requestId, String(Math.max(0, Math.ceil(delayMs))));
    },
    async claimDue(limit, leaseMs) {
      const [leaseUntil, ids] = (await redis.eval(
        claimScript,
        1,
        key,
        String(limit),
        String(leaseMs),
      )) as [number, string[]];
      return ids.map((requestId) => ({ requestId, leaseUntil: Number(leaseUntil) }));
    },
    async done(redraw) {
      await redis.eval(doneScript, 1, key, redraw.requestId, String(redraw.leaseUntil));
    },
  };
}
