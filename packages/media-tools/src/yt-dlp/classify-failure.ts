import { MediaError, type MediaErrorCode, summariseStderr } from '../errors/media-error.ts';

interface Rule {
  code: MediaErrorCode;
  pattern: RegExp;
  retryable?: boolean;
}

// Order matters: the first rule that matches wins, so specific wording comes before generic
// network errors (a removed video often also shows "HTTP Error 404").
const rules: readonly Rule[] = [
  { code: 'too_large', pattern: /larger than max-filesize/i },
  {
    code: 'geo_blocked',
    pattern:
      /(?:not|been) (?:made )?(?:this video )?available (?:in|from) your (?:country|location|region)|not made this video available|geo[- ]?restrict|GeoRestrict|blocked in your country/i,
  },
  {
    code: 'private_or_login_required',
    pattern:
      /private video|this video is private|sign in to confirm|login required|log ?in to|requires? (?:authentication|login|a login)|members[- ]only|join this channel|confirm your age|age[- ]restricted|inappropriate for some users|use --cookies|--username|account (?:is )?private|HTTP Error 401/i,
  },
  {
    code: 'removed',
    pattern:
      /video unavailable|has been removed|been deleted|no longer available|does not exist|has been terminated|content isn't available|HTTP Error 404|HTTP Error 410|copyright (?:claim|grounds)/i,
  },
  {
    code: 'unsupported_site',
    pattern:
      /unsupported url|is not a valid url|no video formats found|no media found|DRM protected/i,
  },
  { code: 'timed_out', pattern: /timed? ?out|timeout/i },
  { code: 'site_unreachable', pattern: /HTTP Error 429|too many requests/i, retryable: true },
  {
    // A proxy refusing the destination (our egress policy) will refuse it again.
    code: 'site_unreachable',
    pattern: /tunnel connection failed: 403|proxy.*403|403.*proxy/i,
    retryable: false,
  },
  {
    code: 'site_unreachable',
    pattern:
      /unable to download webpage|connection refused|connection reset|name or service not known|temporary failure in name resolution|getaddrinfo|network is unreachable|no route to host|HTTP Error 5\d\d|remote end closed|EOF occurred|unable to connect|failed to resolve|ProxyError|Unable to download/i,
  },
];

/** Maps a failed yt-dlp run to a MediaError. The raw stderr stays in details (redacted). */
export function classifyYtDlpFailure(stderr: string, exitCode: number | null): MediaError {
  const errorText = stderr
    .split('\n')
    .filter((line) => line.startsWith('ERROR:'))
    .join('\n');
  const searched = errorText.length > 0 ? errorText : stderr;
  const details = { exitCode, stderr: summariseStderr(stderr) };
  for (const rule of rules) {
    if (rule.pattern.test(searched)) {
      return new MediaError(rule.code, {
        ...(rule.retryable === undefined ? {} : { retryable: rule.retryable }),
        details,
      });
    }
  }
  return new MediaError('internal', { details });
}
