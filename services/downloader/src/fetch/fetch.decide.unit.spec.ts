import { describe, expect, it } from 'vitest';
import { cacheStream, FetchAbandoned, FetchFailed, MediaFetched } from '@mediabot/contracts';
import { fetchQueued, recorded } from '../testing/messages.ts';
import {
  abandonedInStream,
  decideFetchConclusion,
  decideFetchFailure,
  downloadProgressData,
  fetchOutcomeIn,
  isAbandoned,
} from './fetch.decide.ts';

const now = new Date('2030-01-01T00:00:00Z');
const option = {
  quality: '360p',
  kind: 'video',
  formatSelector: 'b',
  estimatedBytes: null,
  height: 360,
} as const;
const queued = fetchQueued({
  cacheKey: 'Generic:clip#360p',
  url: 'https://x.example/c.mp4',
  option,
});
const fetched = {
  kind: 'fetched',
  objectKey: 'k/media.mp4',
  sizeBytes: 10,
  fileName: 'media.mp4',
} as const;

describe('decideFetchConclusion', () => {
  it('ends a fetch with download.fetched on the cache stream, answering the fetch-queued', () => {
    const [event] = decideFetchConclusion([], queued, fetched, now);
    expect(event?.type).toBe(MediaFetched.type);
    expect(event?.streamId).toBe(cacheStream('Generic:clip#360p'));
    expect(event?.causationId).toBe(queued.eventId);
    expect(event?.data).toMatchObject({
      cacheKey: 'Generic:clip#360p',
      objectKey: 'k/media.mp4',
      title: 'Sample clip',
      uploader: 'Sample uploader',
      option,
    });
  });

  it('gives every ending of one fetch the same id, so only one can ever land', () => {
    const [asFetched] = decideFetchConclusion([], queued, fetched, now);
    const [asCancelled] = decideFetchConclusion([], queued, { kind: 'cancelled' }, now);
    expect(asCancelled?.type).toBe(FetchFailed.type);
    expect(asCancelled?.data).toMatchObject({ error: { code: 'cancelled', retryable: false } });
    expect(asCancelled?.eventId).toBe(asFetched?.eventId);
  });

  it('appends nothing once the fetch has an ending', () => {
    const ended = recorded(decideFetchConclusion([], queued, fetched, now));
    expect(fetchOutcomeIn(ended, queued.eventId)).toBe('fetched');
    expect(decideFetchConclusion(ended, queued, { kind: 'cancelled' }, now)).toEqual([]);
    const other = fetchQueued({
      cacheKey: 'Generic:clip#360p',
      url: 'https://x.example/c.mp4',
      option,
    });
    expect(fetchOutcomeIn(ended, other.eventId)).toBeNull();
  });
});

describe('abandonedInStream', () => {
  it('sees an abandonment that follows the fetch-queued in the cache stream', () => {
    const abandoned = FetchAbandoned.create(
      { cacheKey: 'Generic:clip#360p' },
      { streamId: cacheStream('Generic:clip#360p'), actor: { kind: 'service', id: 'storage' } },
    );
    const later = fetchQueued({
      cacheKey: 'Generic:clip#360p',
      url: 'https://x.example/c.mp4',
      option,
    });
    const stream = recorded([queued, abandoned, later]);
    expect(abandonedInStream(stream, queued.eventId)).toBe(true);
    expect(abandonedInStream(stream, later.eventId)).toBe(false);
    expect(abandonedInStream(recorded([abandoned]), queued.eventId)).toBe(false);
  });
});

describe('isAbandoned', () => {
  it('stops fetches queued at or before the abandonment only', () => {
    const queuedAt = new Date('2030-01-01T00:00:10Z');
    expect(isAbandoned(queuedAt, null)).toBe(false);
    expect(isAbandoned(queuedAt, new Date('2030-01-01T00:00:10Z'))).toBe(true);
    expect(isAbandoned(queuedAt, new Date('2030-01-01T00:00:09Z'))).toBe(false);
  });
});

describe('decideFetchFailure', () => {
  const base = {
    error: { code: 'site_unreachable', retryable: true },
    stage: 'download',
    cancelledByUser: false,
    interrupted: false,
    attempt: 1,
    maxAttempts: 3,
  } as const;

  it('ends a cancelled fetch as cancelled, whatever the error', () => {
    expect(decideFetchFailure({ ...base, cancelledByUser: true, interrupted: true })).toEqual({
      kind: 'conclude',
      conclusion: { kind: 'cancelled' },
    });
  });

  it('gives the job back when this instance is stopping', () => {
    expect(decideFetchFailure({ ...base, interrupted: true, attempt: 3 })).toEqual({
      kind: 'retry',
      reason: 'interrupted',
    });
  });

  it('retries transient errors until the last attempt, then ends the fetch', () => {
    expect(decideFetchFailure(base).kind).toBe('retry');
    expect(decideFetchFailure({ ...base, attempt: 3 })).toEqual({
      kind: 'conclude',
      conclusion: { kind: 'failed', stage: 'download', error: base.error },
    });
    expect(
      decideFetchFailure({ ...base, error: { code: 'too_large', retryable: false } }),
    ).toMatchObject({ kind: 'conclude', conclusion: { error: { code: 'too_large' } } });
  });
});

describe('downloadProgressData', () => {
  it('keeps the numbers the contract accepts', () => {
    expect(
      downloadProgressData('k', {
        status: 'downloading',
        downloadedBytes: 1024.4,
        totalBytes: 4096,
        totalIsEstimate: false,
        percent: 25.04,
        speedBytesPerSecond: 512,
        etaSeconds: 6,
        fileNumber: 1,
        announcedBytes: 4096,
      }),
    ).toEqual({
      cacheKey: 'k',
      stage: 'downloading',
      percent: 25,
      downloadedBytes: 1024,
      totalBytes: 4096,
      speedBytesPerSecond: 512,
      etaSeconds: 6,
    });
  });
});
