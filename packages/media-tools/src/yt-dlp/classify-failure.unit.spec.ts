import { describe, expect, it } from 'vitest';
import { fixtureText } from '../testing/fixtures.ts';
import { classifyYtDlpFailure } from './classify-failure.ts';

describe('classifyYtDlpFailure', () => {
  it('classifies captured stderr: 404 is removed, refused is unreachable, unknown page is unsupported', () => {
    expect(classifyYtDlpFailure(fixtureText('yt-dlp-stderr-404.txt'), 1)).toMatchObject({
      code: 'removed',
      retryable: false,
    });
    expect(classifyYtDlpFailure(fixtureText('yt-dlp-stderr-refused.txt'), 1)).toMatchObject({
      code: 'site_unreachable',
      retryable: true,
    });
    expect(classifyYtDlpFailure(fixtureText('yt-dlp-stderr-unsupported.txt'), 1)).toMatchObject({
      code: 'unsupported_site',
      retryable: false,
    });
  });

  it.each([
    [
      "ERROR: [youtube] abc: Private video. Sign in if you've been granted access",
      'private_or_login_required',
      false,
    ],
    [
      'ERROR: [youtube] abc: Sign in to confirm your age. This video may be inappropriate',
      'private_or_login_required',
      false,
    ],
    [
      'ERROR: [instagram] abc: Requested content is not available, rate-limit reached or login required',
      'private_or_login_required',
      false,
    ],
    [
      'ERROR: [youtube] abc: Video unavailable. This video has been removed by the uploader',
      'removed',
      false,
    ],
    [
      'ERROR: [youtube] abc: The uploader has not made this video available in your country',
      'geo_blocked',
      false,
    ],
    [
      'ERROR: [BBC] abc: This video is not available from your location due to geo restriction',
      'geo_blocked',
      false,
    ],
    [
      'ERROR: [generic] Unable to download webpage: The read operation timed out',
      'timed_out',
      true,
    ],
    [
      'ERROR: [tiktok] abc: Unable to download webpage: HTTP Error 429: Too Many Requests',
      'site_unreachable',
      true,
    ],
    [
      'ERROR: [generic] Unable to download webpage: HTTP Error 503: Service Unavailable',
      'site_unreachable',
      true,
    ],
    [
      'ERROR: Unable to download webpage: Tunnel connection failed: 403 Forbidden',
      'site_unreachable',
      false,
    ],
    [
      'ERROR: [generic] Unable to download webpage: <urlopen error [Errno -2] Name or service not known>',
      'site_unreachable',
      true,
    ],
    [
      'ERROR: [youtube] abc: Requested format is not available. Use --list-formats',
      'internal',
      false,
    ],
    [
      'Traceback (most recent call last):\n  File "/usr/lib/yt_dlp/x.py", line 1\nKeyError: \'id\'',
      'internal',
      false,
    ],
  ])('%s → %s', (stderr, code, retryable) => {
    expect(classifyYtDlpFailure(stderr, 1)).toMatchObject({ code, retryable });
  });

  it('never puts stderr in the message; keeps a redacted summary in details', () => {
    const error = classifyYtDlpFailure(
      'Traceback (most recent call last):\n  File "x.py"\nERROR: Unable to download webpage: ProxyError http://user:secret@proxy:3128 refused',
      1,
    );
    expect(error.message).toBe('The site could not be reached.');
    expect(error.details.stderr).toContain('http://***@proxy:3128');
    expect(JSON.stringify(error.details)).not.toContain('secret');
    expect(JSON.stringify(error.details)).not.toContain('Traceback');
  });
});
