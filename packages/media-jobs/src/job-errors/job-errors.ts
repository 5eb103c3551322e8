import { AppError, type DownloadErrorCode } from '@mediabot/contracts';
import { MediaError, type MediaErrorCode } from '@mediabot/media-tools';

/** The `error` field of download.fetch-failed (and download.failed): what users are told about. */
export interface DownloadErrorData {
  code: DownloadErrorCode;
  retryable: boolean;
  detail?: string;
}

/** The events' schema caps `detail` at this length. */
const maxDetailLength = 2000;

function boundedDetail(text: string): string {
  return text.length > maxDetailLength ? `${text.slice(0, maxDetailLength - 1)}…` : text;
}

const downloadErrorCodes: Record<MediaErrorCode, DownloadErrorCode> = {
  unsupported_site: 'unsupported_site',
  private_or_login_required: 'private_or_login_required',
  removed: 'removed',
  geo_blocked: 'geo_blocked',
  too_large: 'too_large',
  site_unreachable: 'site_unreachable',
  timed_out: 'timed_out',
  // A job's own stop is reported separately (code 'cancelled'); reaching here means something else.
  cancelled: 'internal',
  invalid_media: 'internal',
  internal: 'internal',
};

/** The code users are told about for a failure of yt-dlp, ffmpeg or ffprobe. */
export function downloadErrorCodeOf(code: MediaErrorCode): DownloadErrorCode {
  return downloadErrorCodes[code];
}

/** `code: message (reason) | stderr`, for logs and admins, within the events' limit. */
export function errorDetailOf(error: AppError): string {
  const stderr = typeof error.details.stderr === 'string' ? ` | ${error.details.stderr}` : '';
  const reason = typeof error.details.reason === 'string' ? ` (${error.details.reason})` : '';
  return boundedDetail(`${error.code}: ${error.message}${reason}${stderr}`);
}

/**
 * Maps whatever a media job (probe, download, conversion, transfer) threw to the taxonomy users
 * are told about: a media tool's code as above, any other typed error as internal with its own
 * retryability, anything untyped as internal and retryable. Pure.
 */
export function mediaJobErrorOf(error: unknown): DownloadErrorData {
  if (error instanceof AppError) {
    // `instanceof` narrows to AppError<any>; the code is only read as text.
    const appError = error as AppError;
    return {
      code: error instanceof MediaError ? downloadErrorCodeOf(error.code) : 'internal',
      retryable: appError.retryable,
      detail: errorDetailOf(appError),
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'internal', retryable: true, detail: boundedDetail(`unexpected: ${message}`) };
}
