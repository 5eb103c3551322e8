import { Readable } from 'node:stream';
import type { Opts, Telegram as TelegramMethods } from 'telegraf/types';
import { classifyTelegramFailure, TelegramCallError } from './telegram-errors.ts';
import type { SendRateLimiter } from './send-rate-limiter.ts';
import type { SendSlots } from './send-slots.ts';

export type BotMethod = keyof TelegramMethods;
export type BotResult<M extends BotMethod> = ReturnType<TelegramMethods[M]>;

export interface CallOptions {
  /**
   * `wait` (default): wait for the rate limit and for a 429's retry_after, up to the client's
   * longest wait. `skip`: never wait; throw `telegram_throttled`/`telegram_rate_limited` instead
   * (for progress edits, which the next progress replaces anyway).
   */
  whenLimited?: 'wait' | 'skip';
  /** The chat whose budget the call takes; read from `chat_id` when the payload is an object. */
  chatId?: number | undefined;
  /** Calls left in the chat's budget after this one (a status edit keeps one for the file). */
  reserve?: number | undefined;
  /** A call nobody waits on (a status edit): it leaves part of the bot's budget to replies. */
  background?: boolean | undefined;
  /** Held while calling only: a call waiting for its chat's budget or a 429 leaves the slot free. */
  slots?: SendSlots | undefined;
  signal?: AbortSignal | undefined;
}

/** The Bot API as the notifier uses it: one call, rate limited, errors classified. */
export interface BotApi {
  /**
   * `payload` may be a function: it is called again for every attempt, so a streamed upload is
   * reopened after a 429 instead of sending a half-read stream.
   */
  call<M extends BotMethod>(
    method: M,
    payload: Opts<M> | (() => Promise<Opts<M>>),
    options?: CallOptions,
  ): Promise<BotResult<M>>;
}

/** What the client needs from telegraf's `Telegram` (its callApi). */
export interface RawTelegramClient {
  callApi<M extends BotMethod>(
    method: M,
    payload: Opts<M>,
    options?: { signal?: AbortSignal },
  ): Promise<BotResult<M>>;
}

export interface BotApiOptions {
  telegram: RawTelegramClient;
  limiter: SendRateLimiter;
  /** Longest total wait inside one call (rate limit + retry_after); beyond it the call throws a retryable error. */
  maxWaitMs: number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function chatOf(payload: unknown): number | undefined {
  const chatId = (payload as { chat_id?: unknown } | null)?.chat_id;
  if (typeof chatId === 'number') return chatId;
  if (typeof chatId === 'string' && /^-?\d+$/.test(chatId)) return Number(chatId);
  return undefined;
}

const isFactory = <T>(payload: T | (() => Promise<T>)): payload is () => Promise<T> =>
  typeof payload === 'function';

/** Uploads that failed leave their source streams half read: close them (and their connections). */
function destroyStreams(body: unknown): void {
  if (typeof body !== 'object' || body === null) return;
  for (const value of Object.values(body)) {
    const source = (value as { source?: unknown } | null)?.source;
    if (source instanceof Readable) source.destroy();
  }
}

export function createBotApi(options: BotApiOptions): BotApi {
  const sleep = options.sleep ?? abortableSleep;
  return {
    async call(method, payload, callOptions = {}) {
      const skip = callOptions.whenLimited === 'skip';
      const signal = callOptions.signal;
      let waitedMs = 0;
      const mayWait = (ms: number) => !skip && waitedMs + ms <= options.maxWaitMs;
      const chatId = callOptions.chatId ?? (isFactory(payload) ? undefined : chatOf(payload));
      for (;;) {
        const release = callOptions.slots ? await callOptions.slots.acquire(signal) : () => {};
        let waitMs = 0;
        try {
          waitMs =
            chatId === undefined
              ? 0
              : await options.limiter.take(
                  chatId,
                  callOptions.reserve,
                  callOptions.background === true,
                );
          if (waitMs > 0) {
            if (!mayWait(waitMs)) {
              throw new TelegramCallError(skip ? 'telegram_throttled' : 'telegram_rate_limited', {
                method,
                errorCode: null,
                description: `no sending budget for chat ${chatId} for ${waitMs} ms`,
                retryAfterSeconds: Math.ceil(waitMs / 1000),
                retryAfterMs: waitMs,
              });
            }
          } else {
            const body = isFactory(payload) ? await payload() : payload;
            try {
              return await options.telegram.callApi(method, body, signal ? { signal } : {});
            } catch (error) {
              destroyStreams(body);
              const failure = classifyTelegramFailure(error, method);
              if (failure.retryAfterSeconds === null || failure.code !== 'telegram_rate_limited')
                throw failure;
              waitMs = failure.retryAfterSeconds * 1000;
              await options.limiter.pause(chatId, waitMs);
              if (!mayWait(waitMs)) throw failure;
            }
          }
        } finally {
          release();
        }
        await sleep(waitMs, signal);
        waitedMs += waitMs;
      }
    },
  };
}
