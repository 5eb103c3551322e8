import type { Redis } from 'ioredis';

/** Budget for outgoing Bot API calls, shared by every notifier replica. */
export interface SendRateLimiter {
  /**
   * Takes one call from the chat's and the bot's budget: 0 when taken, else ms to wait first.
   * `reserve`: calls that must stay in the chat's budget after this one (kept for a file).
   * `background`: a call nobody is waiting on (a status edit) leaves a quarter of the bot's budget
   * to calls that answer users, so replies are not queued behind edits when the bot is at its
   * overall limit.
   */
  take(chatId: number, reserve?: number, background?: boolean): Promise<number>;
  /** Telegram answered 429: nobody calls for this chat (or at all, without a chat) for `ms`. */
  pause(chatId: number | undefined, ms: number): Promise<void>;
}

export interface RateLimits {
  perChatPerSecond: number;
  /** Calls a chat may burst before the per-second pace applies. */
  perChatBurst: number;
  globalPerSecond: number;
}

// Two token buckets (chat, bot) refilled from Redis' own clock, so replicas on machines with
// skewed clocks share one budget. A token is taken from both or from neither. A pause set after a
// 429 blocks the chat (or everything) until it expires.
const takeScript = `
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) * 1000 + math.floor(tonumber(now_parts[2]) / 1000)
local paused = math.max(redis.call('PTTL', KEYS[3]), redis.call('PTTL', KEYS[4]), 0)
if paused > 0 then return paused end

local function level(key, rate, burst)
  local stored = redis.call('HMGET', key, 'tokens', 'at')
  local tokens = tonumber(stored[1]) or burst
  local at = tonumber(stored[2]) or now
  return math.min(burst, tokens + math.max(0, now - at) * rate / 1000)
end

local chat_rate, chat_burst = tonumber(ARGV[1]), tonumber(ARGV[2])
local need = 1 + tonumber(ARGV[5])
local global_rate, global_burst = tonumber(ARGV[3]), tonumber(ARGV[4])
local global_need = 1 + tonumber(ARGV[6])
local chat = level(KEYS[1], chat_rate, chat_burst)
local global = level(KEYS[2], global_rate, global_burst)
if chat >= need and global >= global_need then
  redis.call('HSET', KEYS[1], 'tokens', chat - 1, 'at', now)
  redis.call('PEXPIRE', KEYS[1], math.ceil(chat_burst / chat_rate * 1000) + 1000)
  redis.call('HSET', KEYS[2], 'tokens', global - 1, 'at', now)
  redis.call('PEXPIRE', KEYS[2], math.ceil(global_burst / global_rate * 1000) + 1000)
  return 0
end
local wait_chat = 0
if chat < need then wait_chat = math.ceil((need - chat) * 1000 / chat_rate) end
local wait_global = 0
if global < global_need then wait_global = math.ceil((global_need - global) * 1000 / global_rate) end
return math.max(wait_chat, wait_global, 1)
`;

// Only ever lengthens a pause: a shorter retry_after must not shorten a longer one.
const pauseScript = `
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], '1', 'PX', ARGV[1])
end
return 0
`;

export function createRedisSendRateLimiter(
  redis: Redis,
  limits: RateLimits,
  keyPrefix = 'mediabot:notifier:telegram',
): SendRateLimiter {
  const chatBucket = (chatId: number) => `${keyPrefix}:chat:${chatId}`;
  const chatPause = (chatId: number) => `${keyPrefix}:pause:chat:${chatId}`;
  const globalBucket = `${keyPrefix}:global`;
  const globalPause = `${keyPrefix}:pause:global`;
  return {
    async take(chatId, reserve = 0, background = false) {
      const wait = await redis.eval(
        takeScript,
        4,
        chatBucket(chatId),
        globalBucket,
        chatPause(chatId),
        globalPause,
        String(limits.perChatPerSecond),
        String(limits.perChatBurst),
        String(limits.globalPerSecond),
        String(Math.max(1, limits.globalPerSecond)),
        // A reserve beyond the burst could never be met.
        String(Math.max(0, Math.min(reserve, limits.perChatBurst - 1))),
        String(background ? Math.floor(Math.max(1, limits.globalPerSecond) / 4) : 0),
      );
      return Number(wait);
    },
    async pause(chatId, ms) {
      await redis.eval(
        pauseScript,
        1,
        chatId === undefined ? globalPause : chatPause(chatId),
        String(Math.max(1, Math.ceil(ms))),
      );
    },
  };
}

/** No limits at all (unit tests). */
export const unlimitedSendRate: SendRateLimiter = {
  take: () => Promise.resolve(0),
  pause: () => Promise.resolve(),
};
