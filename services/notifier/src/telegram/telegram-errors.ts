import { AppError } from '@mediabot/contracts';

export type TelegramErrorCode =
  /** 429: flood control; wait `retryAfterSeconds`. */
  | 'telegram_rate_limited'
  /** Our own limiter had no budget left for a call that must not wait (progress edits). */
  | 'telegram_throttled'
  /** 5xx or an answer that is not the Bot API's JSON: try again later. */
  | 'telegram_unavailable'
  /** No answer at all (connection reset, timeout): Telegram may or may not have done it. */
  | 'telegram_unreachable'
  /** A 4xx answer: this request will not succeed as it is. */
  | 'telegram_rejected';

/** A failed Bot API call, classified once so handlers can decide what it means for them. */
export class TelegramCallError extends AppError<TelegramErrorCode> {
  readonly method: string;
  /** Telegram's error_code, or null when there was no Bot API answer. */
  readonly errorCode: number | null;
  readonly description: string;
  readonly retryAfterSeconds: number | null;
  /** The same wait to the millisecond when our own limiter refused the call. */
  readonly retryAfterMs: number | null;
  /** True when the call may have taken effect although it failed (no answer came back). */
  readonly outcomeUnknown: boolean;

  constructor(
    code: TelegramErrorCode,
    init: {
      method: string;
      errorCode: number | null;
      description: string;
      retryAfterSeconds?: number | null;
      retryAfterMs?: number | null;
      outcomeUnknown?: boolean;
      cause?: unknown;
    },
  ) {
    super(code, `${init.method}: ${init.description}`, {
      retryable: code !== 'telegram_rejected',
      cause: init.cause,
      details: {
        method: init.method,
        errorCode: init.errorCode,
        description: init.description,
        ...(init.retryAfterSeconds ? { retryAfterSeconds: init.retryAfterSeconds } : {}),
      },
    });
    this.method = init.method;
    this.errorCode = init.errorCode;
    this.description = init.description;
    this.retryAfterSeconds = init.retryAfterSeconds ?? null;
    this.retryAfterMs =
      init.retryAfterMs ??
      (init.retryAfterSeconds === undefined || init.retryAfterSeconds === null
        ? null
        : init.retryAfterSeconds * 1000);
    this.outcomeUnknown = init.outcomeUnknown ?? false;
  }
}

interface BotApiErrorShape {
  response: { error_code: number; description: string; parameters?: { retry_after?: number } };
}

function isBotApiError(error: unknown): error is BotApiErrorShape {
  if (typeof error !== 'object' || error === null || !('response' in error)) return false;
  const response = error.response;
  return (
    typeof response === 'object' &&
    response !== null &&
    typeof (response as { error_code?: unknown }).error_code === 'number'
  );
}

/** Maps whatever the HTTP client threw onto a TelegramCallError. */
export function classifyTelegramFailure(error: unknown, method: string): TelegramCallError {
  if (error instanceof TelegramCallError) return error;
  if (isBotApiError(error)) {
    const { error_code: errorCode, description, parameters } = error.response;
    if (errorCode === 429) {
      return new TelegramCallError('telegram_rate_limited', {
        method,
        errorCode,
        description,
        retryAfterSeconds: Math.max(1, parameters?.retry_after ?? 1),
        cause: error,
      });
    }
    return new TelegramCallError(errorCode >= 500 ? 'telegram_unavailable' : 'telegram_rejected', {
      method,
      errorCode,
      description,
      cause: error,
    });
  }
  const type = (error as { type?: unknown } | null)?.type;
  const message = error instanceof Error ? error.message : String(error);
  if (type === 'invalid-json') {
    // The server answered, but not as the Bot API does (an HTML page from a proxy).
    return new TelegramCallError('telegram_unavailable', {
      method,
      errorCode: null,
      description: 'answer was not Bot API JSON',
      cause: error,
    });
  }
  return new TelegramCallError('telegram_unreachable', {
    method,
    errorCode: null,
    description: message.replace(/bot\d+:[A-Za-z0-9_-]+/g, 'bot<token>'),
    outcomeUnknown: true,
    cause: error,
  });
}

const descriptionOf = (error: unknown): string =>
  error instanceof TelegramCallError ? error.description.toLowerCase() : '';

/** The edit would change nothing: the message already shows this. */
export const isNotModified = (error: unknown): boolean =>
  descriptionOf(error).includes('message is not modified');

/** The status message is gone or too old to edit: a new one has to be sent. */
export const isMessageGone = (error: unknown): boolean => {
  const description = descriptionOf(error);
  return (
    description.includes('message to edit not found') ||
    description.includes("message can't be edited") ||
    description.includes('message_id_invalid')
  );
};

/** Telegram does not know (any more) the file_id we sent. */
export const isWrongFileId = (error: unknown): boolean =>
  /wrong (remote )?file identifier|wrong file_id|invalid file_id|file_id_invalid|file reference/.test(
    descriptionOf(error),
  );

/** The user blocked the bot, deleted the chat, or never started it: nobody can be told anything. */
export const isChatUnreachable = (error: unknown): boolean =>
  error instanceof TelegramCallError &&
  (error.errorCode === 403 || descriptionOf(error).includes('chat not found'));

/** A reply target that disappeared is not worth failing for (we send with allow_sending_without_reply). */
export const isRejected = (error: unknown): error is TelegramCallError =>
  error instanceof TelegramCallError && error.code === 'telegram_rejected';
