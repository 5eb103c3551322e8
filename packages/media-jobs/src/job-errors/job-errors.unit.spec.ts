import { describe, expect, it } from 'vitest';
import { AppError, downloadErrorSchema } from '@mediabot/contracts';
import { MediaError, type MediaErrorCode } from '@mediabot/media-tools';
import { downloadErrorCodeOf, errorDetailOf, mediaJobErrorOf } from './job-errors.ts';

describe('downloadErrorCodeOf', () => {
  it.each([
    ['unsupported_site', 'unsupported_site'],
    ['private_or_login_required', 'private_or_login_required'],
    ['removed', 'removed'],
    ['geo_blocked', 'geo_blocked'],
    ['too_large', 'too_large'],
    ['site_unreachable', 'site_unreachable'],
    ['timed_out', 'timed_out'],
    ['cancelled', 'internal'],
    ['invalid_media', 'internal'],
    ['internal', 'internal'],
  ] as const)('tells users about %s as %s', (mediaCode: MediaErrorCode, expected) => {
    expect(downloadErrorCodeOf(mediaCode)).toBe(expected);
  });
});

describe('errorDetailOf', () => {
  it('gives the code, message, reason and stderr', () => {
    const error = new MediaError('invalid_media', {
      message: 'No streams.',
      details: { reason: 'no_streams', stderr: 'moov atom not found' },
    });
    expect(errorDetailOf(error)).toBe(
      'invalid_media: No streams. (no_streams) | moov atom not found',
    );
  });

  it('leaves out details that are not text', () => {
    const error = new AppError('storage_unavailable', 'S3 down', {
      details: { reason: 503, stderr: { lines: 2 } },
    });
    expect(errorDetailOf(error)).toBe('storage_unavailable: S3 down');
  });

  it('cuts a long stderr to what the events accept, marking the cut', () => {
    const error = new MediaError('internal', { details: { stderr: 'x'.repeat(5_000) } });
    const detail = errorDetailOf(error);
    expect(detail).toHaveLength(2000);
    expect(detail.endsWith('x…')).toBe(true);
    expect(downloadErrorSchema.shape.detail.safeParse(detail).success).toBe(true);
  });
});

describe('mediaJobErrorOf', () => {
  it('keeps a media tool’s code and retryability', () => {
    expect(mediaJobErrorOf(new MediaError('removed'))).toEqual({
      code: 'removed',
      retryable: false,
      detail: 'removed: This media is no longer available.',
    });
    expect(mediaJobErrorOf(new MediaError('timed_out'))).toMatchObject({
      code: 'timed_out',
      retryable: true,
    });
    expect(
      mediaJobErrorOf(new MediaError('invalid_media', { details: { reason: 'no_streams' } })),
    ).toMatchObject({ code: 'internal', retryable: false });
  });

  it('reports any other typed error as internal, retryable as it says', () => {
    expect(
      mediaJobErrorOf(new AppError('storage_unavailable', 'S3 down', { retryable: true })),
    ).toEqual({ code: 'internal', retryable: true, detail: 'storage_unavailable: S3 down' });
    expect(
      mediaJobErrorOf(new AppError('invalid_object_key', 'bad key', { retryable: false })),
    ).toMatchObject({ code: 'internal', retryable: false });
  });

  it('reports anything untyped as internal and retryable', () => {
    expect(mediaJobErrorOf(new Error('boom'))).toEqual({
      code: 'internal',
      retryable: true,
      detail: 'unexpected: boom',
    });
    expect(mediaJobErrorOf('just text')).toEqual({
      code: 'internal',
      retryable: true,
      detail: 'unexpected: just text',
    });
  });
});
