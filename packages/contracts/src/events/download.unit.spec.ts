import { describe, expect, it } from 'vitest';
import { ContractError } from '../errors/app-error.ts';
import { CacheHit, MediaReady, registry } from './index.ts';

const actor = { kind: 'service' as const, id: 'test' };
const requestId = '01890a5d-ac96-774b-bcce-b302099a8057';

const mediaReadyV1 = {
  cacheKey: 'youtube:abc#720p',
  objectKey: 'cache-1/fetched-1/media.mp4',
  thumbnailObjectKey: 'cache-1/fetched-1/thumb.jpg',
  kind: 'video',
  mimeType: 'video/mp4',
  fileName: 'Clip.mp4',
  sizeBytes: 1000,
  width: 640,
  height: 360,
  durationSeconds: 5,
  title: 'Clip',
  performer: null,
};

describe('download.media-ready', () => {
  it('v2 names the bucket its object lies in', () => {
    const ready = MediaReady.create(
      { ...mediaReadyV1, kind: 'video', bucket: 'raw' },
      { streamId: 'cache-1', actor },
    );
    expect(ready.version).toBe(2);
    expect(ready.data.bucket).toBe('raw');
    expect(() =>
      MediaReady.create({ ...mediaReadyV1, kind: 'video', bucket: 'other' } as never, {
        streamId: 'cache-1',
        actor,
      }),
    ).toThrow(ContractError);
  });

  it('reads a stored v1 as lying in the media bucket', () => {
    const stored = {
      ...MediaReady.create(
        { ...mediaReadyV1, kind: 'video', bucket: 'media' },
        { streamId: 'cache-1', actor },
      ),
      version: 1,
      data: mediaReadyV1,
    };
    const parsed = registry.parse(stored);
    expect(parsed.version).toBe(2);
    expect(parsed.data).toEqual({ ...mediaReadyV1, bucket: 'media' });
  });
});

describe('download.cache-hit', () => {
  const hitV1 = {
    requestId,
    chatId: 42,
    cacheKey: 'youtube:abc#720p',
    telegramFileId: null,
    objectKey: 'cache-1/fetch-1/clip.mp4',
    kind: 'video',
  };

  it('reads a stored v1 as lying in the media bucket, or in none without an object', () => {
    expect(CacheHit.parseData(1, hitV1)).toEqual({ ...hitV1, bucket: 'media' });
    expect(CacheHit.parseData(1, { ...hitV1, objectKey: null, telegramFileId: 'F' })).toEqual({
      ...hitV1,
      objectKey: null,
      telegramFileId: 'F',
      bucket: null,
    });
  });

  it('v2 gives a bucket exactly when it gives an object key', () => {
    expect(CacheHit.parseData(2, { ...hitV1, bucket: 'raw' }).bucket).toBe('raw');
    expect(() => CacheHit.parseData(2, { ...hitV1, bucket: null })).toThrow(ContractError);
    expect(() =>
      CacheHit.parseData(2, { ...hitV1, objectKey: null, telegramFileId: 'F', bucket: 'media' }),
    ).toThrow(ContractError);
  });
});
