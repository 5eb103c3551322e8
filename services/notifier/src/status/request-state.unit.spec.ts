import { describe, expect, it } from 'vitest';
import type { QualityOption } from '@mediabot/contracts';
import { applyChange, newRequest, type RequestChange, type RequestFacts } from './request-state.ts';

const requestId = '01a20b45-c474-73ab-b62e-e8a25ea048d8';
const start = newRequest(requestId, 42, new Date('2026-01-01T00:00:00Z'));
const option = (quality: QualityOption['quality']): QualityOption => ({
  quality,
  kind: 'video',
  formatSelector: 'best',
  estimatedBytes: 1000,
  height: 720,
});

const requested: RequestChange = {
  kind: 'requested',
  telegramUserId: 42,
  userMessageId: 7,
  language: 'ru',
  preferredQuality: null,
  requestedAt: new Date('2026-01-01T00:00:01Z'),
};
const probed: RequestChange = {
  kind: 'probed',
  title: 'Clip',
  uploader: null,
  durationSeconds: 60,
  options: [option('720p'), option('360p')],
};
const queued: RequestChange = {
  kind: 'queued',
  cacheKey: 'youtube:abc#720p',
  quality: '720p',
  title: 'Clip',
  uploader: null,
  joined: false,
};
const progressed: RequestChange = {
  kind: 'progressed',
  progress: {
    stage: 'downloading',
    percent: 10,
    downloadedBytes: null,
    totalBytes: null,
    speedBytesPerSecond: null,
    etaSeconds: null,
  },
};

function run(changes: RequestChange[]): RequestFacts {
  return changes.reduce((facts, change) => applyChange(facts, change) ?? facts, start);
}

describe('request state', () => {
  it('follows the journey', () => {
    expect(run([requested, probed]).state).toBe('choosing');
    expect(run([requested, probed, queued]).state).toBe('queued');
    expect(run([requested, probed, queued, progressed]).state).toBe('downloading');
    expect(
      run([requested, probed, queued, progressed, { kind: 'delivered', via: 'upload' }]),
    ).toMatchObject({
      state: 'delivered',
      deliveredVia: 'upload',
      progress: null,
    });
  });

  it('reaches the same state when download.requested comes after download.probed', () => {
    const outOfOrder = run([probed, requested]);
    expect(outOfOrder).toMatchObject({
      state: 'choosing',
      language: 'ru',
      userMessageId: 7,
      title: 'Clip',
    });
  });

  it('ignores changes older than the current state, and anything after the end', () => {
    const downloading = run([requested, probed, queued, progressed]);
    expect(applyChange(downloading, probed)).toBeUndefined();
    const delivered = run([requested, probed, queued, { kind: 'delivered', via: 'file-id' }]);
    expect(applyChange(delivered, progressed)).toBeUndefined();
    expect(applyChange(delivered, { kind: 'failed', code: 'internal' })).toBeUndefined();
    expect(applyChange(delivered, { kind: 'cancelled' })).toBeUndefined();
  });

  it('learns the cache key from a late download.fetch-queued without moving back', () => {
    const downloading = { ...run([requested, probed, progressed]), cacheKey: null };
    const after = applyChange(downloading, queued);
    expect(after).toMatchObject({ state: 'downloading', cacheKey: 'youtube:abc#720p' });
  });

  it('skips the question when the default quality exists', () => {
    const withDefault = run([{ ...requested, preferredQuality: '360p' }, probed]);
    expect(withDefault).toMatchObject({ state: 'choosing', chosenQuality: '360p' });
    const missing = run([{ ...requested, preferredQuality: '1080p' }, probed]);
    expect(missing.chosenQuality).toBeNull();
  });

  it('moves back to queued when Telegram forgot the file', () => {
    const sending = run([
      requested,
      probed,
      queued,
      { kind: 'cache-hit', cacheKey: 'k' },
      { kind: 'sending' },
    ]);
    expect(applyChange(sending, { kind: 'refetching' })).toMatchObject({
      state: 'queued',
      note: 'refetching',
    });
  });

  it('marks joiners of someone else’s fetch', () => {
    expect(run([requested, probed, { ...queued, joined: true }]).note).toBe('joined');
  });
});
