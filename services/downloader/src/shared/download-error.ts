import { EgressError } from '@mediabot/egress-guard';
import { errorDetailOf, mediaJobErrorOf, type DownloadErrorData } from '@mediabot/media-jobs';
import { MediaError } from '@mediabot/media-tools';

export type { DownloadErrorData } from '@mediabot/media-jobs';

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

/**
 * Maps whatever a probe, download or upload threw to the taxonomy users are told about: a
 * refusal of the egress policy first, then as every media job does. Pure.
 */
export function downloadErrorOf(error: unknown): DownloadErrorData {
  if (error instanceof EgressError) {
    const code =
      error.code === 'blocked_address' || error.code === 'port_not_allowed'
        ? 'blocked_address'
        : 'unsupported_site';
    return { code, retryable: false, detail: errorDetailOf(error) };
  }
  if (error instanceof MediaError) {
    const refusal = egressRefusalIn(error);
    if (refusal !== undefined) {
      return {
        code: policyRefusals.has(refusal) ? 'blocked_address' : 'unsupported_site',
        retryable: false,
        detail: errorDetailOf(error),
      };
    }
  }
  return mediaJobErrorOf(error);
}
