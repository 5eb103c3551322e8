import type { Redis } from 'ioredis';

/**
 * Status edits that had no sending budget: instead of waiting in a handler (and holding its
 * consumer slot), the request is noted here and redrawn once its chat has budget again. A redraw
 * renders the request's newest facts, so several deferred edits of one message become one.
 * Kept in Redis, shared by replicas; a claimed redraw whose replica dies comes due again after
 * its lease.
 */
export interface StatusRedraws {
  /**
   * Redraw the request's status message in `delayMs`: an earlier due time already noted stays,
   * except a claimed redraw's, which this replaces (it is not done yet).
   */
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

// KEYS[1]: due times by request id; KEYS[2]: the lease of each claimed redraw.
// Rescheduling a claimed redraw replaces its lease whatever the times (its claimer is drawing
// stale facts or was refused budget again), so `done` cannot remove it; otherwise the earlier
// due time wins.
const scheduleScript = `${nowMs}
local due = now + tonumber(ARGV[2])
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
local lease = redis.call('HGET', KEYS[2], ARGV[1])
if score and lease and tonumber(score) == tonumber(lease) then
  redis.call('ZADD', KEYS[1], due, ARGV[1])
  redis.call('HDEL', KEYS[2], ARGV[1])
else
  redis.call('ZADD', KEYS[1], 'LT', due, ARGV[1])
end
return 0`;

const claimScript = `${nowMs}
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[1]))
local lease = now + tonumber(ARGV[2])
local claimed = {}
for _, id in ipairs(due) do
  redis.call('ZADD', KEYS[1], lease, id)
  redis.call('HSET', KEYS[2], id, lease)
  table.insert(claimed, id)
end
return {lease, claimed}`;

const doneScript = `
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if score and tonumber(score) == tonumber(ARGV[2]) then redis.call('ZREM', KEYS[1], ARGV[1]) end
if tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or -1) == tonumber(ARGV[2]) then
  redis.call('HDEL', KEYS[2], ARGV[1])
end
return 0`;

export function createRedisStatusRedraws(redis: Redis, key: string): StatusRedraws {
  const keys = [key, `${key}:leases`] as const;
  return {
    async schedule(requestId, delayMs) {
      await redis.eval(
        scheduleScript,
        2,
        ...keys,
        requestId,
        String(Math.max(0, Math.ceil(delayMs))),
      );
    },
    async claimDue(limit, leaseMs) {
      const [leaseUntil, ids] = (await redis.eval(
        claimScript,
        2,
        ...keys,
        String(limit),
        String(leaseMs),
      )) as [number, string[]];
      return ids.map((requestId) => ({ requestId, leaseUntil: Number(leaseUntil) }));
    },
    async done(redraw) {
      await redis.eval(doneScript, 2, ...keys, redraw.requestId, String(redraw.leaseUntil));
    },
  };
}
