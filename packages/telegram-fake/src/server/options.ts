import { randomBytes } from 'node:crypto';
import type { RateLimitOptions } from '../faults/rate-limiter.ts';
import { systemClock, type Clock } from '../shared/clock.ts';

export interface FakeLimits {
  /** Largest uploaded file (multipart), 50 MB on Telegram; larger gets 413. */
  uploadBytes: number;
  /** Largest file getFile hands out, 20 MB on Telegram ("file is too big"). */
  downloadBytes: number;
  /** Largest file fetched from an HTTP URL given instead of a file. */
  urlDownloadBytes: number;
  /** Largest body that is not a file (JSON, form fields). */
  fieldBytes: number;
  textLength: number;
  captionLength: number;
}

export interface FakeTiming {
  conflictThrottleMs: number;
  repeatedPollGuardMs: number;
  /** setWebhook with a URL more often than this answers 429 retry after 1. */
  setWebhookIntervalMs: number;
  webhookRetryUnitMs: number;
  webhookMaxRetryUnits: number;
  webhookTimeoutMs: number;
  /** How long setWebhook may take to connect to the URL before it fails. */
  webhookVerifyTimeoutMs: number;
  /** After this, answerCallbackQuery fails with "query is too old". */
  callbackAnswerWindowMs: number;
}

export interface BotProfile {
  id: number;
  firstName: string;
  username: string;
  canJoinGroups: boolean;
  canReadAllGroupMessages: boolean;
  supportsInlineQueries: boolean;
}

export interface TelegramFakeOptions {
  /** Loopback address to listen on; 127.0.0.1 by default. */
  host?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** The bot token; one is made up from the bot id when absent. */
  token?: string;
  bot?: Partial<BotProfile>;
  clock?: Clock;
  /** The first update_id; Telegram starts each bot somewhere arbitrary. */
  firstUpdateId?: number;
  /** Where uploads are kept; a temporary directory removed on close() when absent. */
  fileDirectory?: string;
  limits?: Partial<FakeLimits>;
  /** Telegram's own pacing by default; tests may shorten it. */
  timing?: Partial<FakeTiming>;
  /** Flood control for sending messages from the start (also switchable at run time). */
  rateLimit?: boolean | Partial<RateLimitOptions>;
  /** How many bot calls the log keeps (oldest dropped first). */
  callLogSize?: number;
}

export interface ResolvedOptions {
  host: string;
  port: number;
  token: string;
  bot: BotProfile;
  clock: Clock;
  firstUpdateId: number;
  fileDirectory: string | undefined;
  limits: FakeLimits;
  timing: FakeTiming;
  rateLimit: Partial<RateLimitOptions> | undefined;
  callLogSize: number;
}

const MB = 1024 * 1024;

export const DEFAULT_LIMITS: FakeLimits = {
  uploadBytes: 50 * MB,
  downloadBytes: 20 * MB,
  urlDownloadBytes: 20 * MB,
  fieldBytes: 10 * MB,
  textLength: 4096,
  captionLength: 1024,
};

export const TELEGRAM_TIMING: FakeTiming = {
  conflictThrottleMs: 3000,
  repeatedPollGuardMs: 3000,
  setWebhookIntervalMs: 1000,
  webhookRetryUnitMs: 1000,
  webhookMaxRetryUnits: 60,
  webhookTimeoutMs: 60_000,
  webhookVerifyTimeoutMs: 5000,
  callbackAnswerWindowMs: 15_000,
};

export function resolveOptions(options: TelegramFakeOptions): ResolvedOptions {
  const bot: BotProfile = {
    id: 7_000_000_001,
    firstName: 'MediaBot',
    username: 'mediabot_fake_bot',
    canJoinGroups: true,
    canReadAllGroupMessages: false,
    supportsInlineQueries: false,
    ...options.bot,
  };
  const token =
    options.token ?? `${bot.id}:AA${randomBytes(25).toString('base64url').slice(0, 33)}`;
  const botIdInToken = Number(token.split(':')[0]);
  if (Number.isSafeInteger(botIdInToken) && botIdInToken > 0 && options.bot?.id === undefined) {
    bot.id = botIdInToken;
  }
  return {
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 0,
    token,
    bot,
    clock: options.clock ?? systemClock,
    firstUpdateId: options.firstUpdateId ?? 100_000_000 + Math.floor(Math.random() * 800_000_000),
    fileDirectory: options.fileDirectory,
    limits: { ...DEFAULT_LIMITS, ...options.limits },
    timing: { ...TELEGRAM_TIMING, ...options.timing },
    rateLimit:
      options.rateLimit === true ? {} : options.rateLimit === false ? undefined : options.rateLimit,
    callLogSize: options.callLogSize ?? 10_000,
  };
}
