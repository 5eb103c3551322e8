import type { Clock } from '../shared/clock.ts';

export interface RateLimitOptions {
  /** Sustained messages a second in one chat (Telegram asks for no more than about 1). */
  perChatPerSecond: number;
  /** How many messages a chat may burst before 429s start. */
  perChatBurst: number;
  /** Messages a second across all chats (about 30 on Telegram). */
  globalPerSecond: number;
}

export const DEFAULT_RATE_LIMITS: RateLimitOptions = {
  perChatPerSecond: 1,
  perChatBurst: 3,
  globalPerSecond: 30,
};

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/** Token buckets approximating Telegram's flood control for sending messages. */
export class RateLimiter {
  readonly #clock: Clock;
  readonly #options: RateLimitOptions;
  readonly #chats = new Map<string, Bucket>();
  #global: Bucket | undefined;

  constructor(clock: Clock, options: RateLimitOptions) {
    this.#clock = clock;
    this.#options = options;
  }

  /** Takes one message from the budget; returns retry_after seconds when there is none left. */
  take(chatKey: string): number | undefined {
    const now = this.#clock.now();
    const { perChatPerSecond, perChatBurst, globalPerSecond } = this.#options;
    const chat = refill(this.#chats.get(chatKey), now, perChatPerSecond, perChatBurst);
    const global = refill(this.#global, now, globalPerSecond, globalPerSecond);
    this.#chats.set(chatKey, chat);
    this.#global = global;
    if (chat.tokens < 1) return Math.max(1, Math.ceil((1 - chat.tokens) / perChatPerSecond));
    if (global.tokens < 1) return Math.max(1, Math.ceil((1 - global.tokens) / globalPerSecond));
    chat.tokens -= 1;
    global.tokens -= 1;
    return undefined;
  }
}

function refill(
  bucket: Bucket | undefined,
  now: number,
  perSecond: number,
  capacity: number,
): Bucket {
  if (!bucket) return { tokens: capacity, updatedAt: now };
  const elapsedSeconds = Math.max(0, now - bucket.updatedAt) / 1000;
  return { tokens: Math.min(capacity, bucket.tokens + elapsedSeconds * perSecond), updatedAt: now };
}
