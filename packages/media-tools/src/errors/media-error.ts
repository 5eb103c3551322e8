import { AppError } from '@mediabot/contracts';

/**
 * Why a media operation failed, in words the bot can turn into a user-facing message.
 * `cancelled` and `invalid_media` extend the yt-dlp taxonomy for our own stops and for files
 * ffmpeg cannot read.
 */
export type MediaErrorCode =
  | 'unsupported_site'
  | 'private_or_login_required'
  | 'removed'
  | 'geo_blocked'
  | 'too_large'
  | 'site_unreachable'
  | 'timed_out'
  | 'cancelled'
  | 'invalid_media'
  | 'internal';

const defaultMessages: Record<MediaErrorCode, string> = {
  unsupported_site: 'This link is not supported.',
  private_or_login_required: 'This media is private or needs a login.',
  removed: 'This media is no longer available.',
  geo_blocked: 'This media is not available in our region.',
  too_large: 'This media is too large.',
  site_unreachable: 'The site could not be reached.',
  timed_out: 'The operation took too long.',
  cancelled: 'The operation was cancelled.',
  invalid_media: 'The media file could not be read.',
  internal: 'Something went wrong while processing the media.',
};

const retryableByDefault: Record<MediaErrorCode, boolean> = {
  unsupported_site: false,
  private_or_login_required: false,
  removed: false,
  geo_blocked: false,
  too_large: false,
  site_unreachable: true,
  timed_out: true,
  cancelled: false,
  invalid_media: false,
  internal: false,
};

export class MediaError extends AppError<MediaErrorCode> {
  constructor(
    code: MediaErrorCode,
    options: {
      message?: string;
      retryable?: boolean;
      cause?: unknown;
      details?: Record<string, unknown>;
    } = {},
  ) {
    super(code, options.message ?? defaultMessages[code], {
      retryable: options.retryable ?? retryableByDefault[code],
      ...(options.cause === undefined ? {} : { cause: options.cause }),
      ...(options.details === undefined ? {} : { details: options.details }),
    });
  }
}

export function isMediaError(error: unknown): error is MediaError {
  return error instanceof MediaError;
}

/** Removes credentials from URLs (a proxy URL may carry them) before text goes into details. */
export function redactCredentials(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/\s:@]+(?::[^/\s@]*)?@/gi, '$1***@');
}

/** The last meaningful stderr lines, redacted and bounded, for logs (never for users). */
export function summariseStderr(stderr: string, maxChars = 500): string {
  const lines = stderr
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0 && !line.startsWith('Traceback') && !/^File "/.test(line));
  const errorLines = lines.filter((line) => line.startsWith('ERROR:'));
  const chosen = (errorLines.length > 0 ? errorLines : lines).slice(-3).join(' | ');
  const redacted = redactCredentials(chosen);
  return redacted.length > maxChars ? `${redacted.slice(0, maxChars)}…` : redacted;
}
