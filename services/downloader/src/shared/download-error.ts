import { AppError, type DownloadErrorCode } from '@mediabot/contracts';
import { EgressError } from '@mediabot/egress-guard';
import { MediaError, type MediaErrorCode } from '@mediabot/media-tools';

/** The `error` field of download.failed / download.fetch-failed. */
export interface DownloadErrorData {
  code: DownloadErrorCode;
  retryable: boolean;
  detail?: string;
}

const maxDetailLength = 2000;

function bounded(text: string): string {
  return text.length > maxDetailLength ? `${text.slice(0, maxDetailLength - 1)}…` : text;
}

const mediaCodeMapping: Record<MediaErrorCode, DownloadErrorCode> = {
  unsupported_site: 'unsupported_site',
  private_or_login_required: 'private_or_login_required',
  removed: 'removed',
  geo_blocked: 'geo_blocked',
  too_large: 'too_large',
  site_unreachable: 'site_unreachable',
  timed_out: 'timed_out',
  // Our own stop is reported separately (code 'cancelled'); reaching here means something else.
  cancelled: 'internal',
  invalid_media: 'internal',
  internal: 'internal',
};

/**
 * The egress proxy answers a refused destination with `403 Egress Refused (<reason>: <range>)`,
 * which yt-dlp quotes in its error line. That is our policy speaking, not the site.
 */
const egressRefusal = /Egress Refused \(([a-z_]+)/;
const policyRefusals = new Set(['blocked_address', 'port_not_allowed', 'proxy_loop']);

function egressRefusalIn(error: MediaError): string | undefined {
  const stderr = error.details.stderr;
  if (typeof stderr !== 'string') return undefined;
  return egressRefusal.exec(stderr)?.[1];
}

function detailOf(error: AppError): string {
  const stderr = typeof error.details.stderr === 'string' ? ` | ${error.details.stderr}` : '';
  const reason = typeof error.details.reason === 'string' ? ` (${error.details.reason})` : '';
  return bounded(`${error.code}: ${error.message}${reason}${stderr}`);
}

/** Maps whatever a probe, download or upload threw to the taxonomy users are told about. Pure. */
export function downloadErrorOf(error: unknown): DownloadErrorData {
  if (error instanceof EgressError) {
    const code =
      error.code === 'blocked_address' || error.code === 'port_not_allowed'
        ? 'blocked_address'
        : 'unsupported_site';
    return { code, retryable: false, detail: detailOf(error) };
  }
  if (error instanceof MediaError) {
    const refusal = egressRefusalIn(error);
    if (refusal !== undefined) {
      return {
        code: policyRefusals.has(refusal) ? 'blocked_address' : 'unsupported_site',
        retryable: false,
        detail: detailOf(error),
      };
    }
    return {
      code: mediaCodeMapping[error.code],
      retryable: error.retryable,
      detail: detailOf(error),
    };
  }
  if (error instanceof AppError) {
    const appError = error as AppError;
    return { code: 'internal', retryable: appError.retryable, detail: detailOf(appError) };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'internal', retryable: true, detail: bounded(`unexpected: ${message}`) };
}
