import { describe, expect, it } from 'vitest';
import { AppError } from '@mediabot/contracts';
import { EgressError } from '@mediabot/egress-guard';
import { MediaError } from '@mediabot/media-tools';
import { downloadErrorOf } from './download-error.ts';

describe('downloadErrorOf', () => {
  it('reports a URL the egress policy refuses as blocked_address', () => {
    const error = new EgressError(
      'blocked_address',
      'The host 127.0.0.1 is not a public address.',
      {
        reason: 'loopback',
      },
    );
    expect(downloadErrorOf(error)).toMatchObject({ code: 'blocked_address', retryable: false });
    expect(downloadErrorOf(new EgressError('scheme_not_allowed', 'ftp'))).toMatchObject({
      code: 'unsupported_site',
    });
  });

  it('recognises the proxy refusing a hop in yt-dlp’s error', () => {
    const error = new MediaError('site_unreachable', {
      details: {
        exitCode: 1,
        stderr:
          'ERROR: [generic] Unable to download webpage: HTTP Error 403: Egress Refused (blocked_address: loopback)',
      },
    });
    expect(downloadErrorOf(error)).toMatchObject({ code: 'blocked_address', retryable: false });
  });

  it('keeps yt-dlp’s taxonomy and folds our own codes into internal', () => {
    expect(downloadErrorOf(new MediaError('removed'))).toMatchObject({
      code: 'removed',
      retryable: false,
    });
    expect(downloadErrorOf(new MediaError('timed_out'))).toMatchObject({
      code: 'timed_out',
      retryable: true,
    });
    expect(downloadErrorOf(new MediaError('invalid_media'))).toMatchObject({ code: 'internal' });
  });

  it('treats anything else as internal, retryable unless it says otherwise', () => {
    expect(downloadErrorOf(new Error('boom'))).toMatchObject({ code: 'internal', retryable: true });
    expect(
      downloadErrorOf(new AppError('storage_unavailable', 'S3 down', { retryable: true })),
    ).toMatchObject({ code: 'internal', retryable: true, detail: 'storage_unavailable: S3 down' });
  });
});
