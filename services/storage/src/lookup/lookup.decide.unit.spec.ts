import { describe, expect, it } from 'vitest';
import { emptyEntry, evolve } from '../cache/cache-entry.ts';
import {
  cacheKey,
  delivered,
  fetchFailed,
  fetchQueued,
  mediaReady,
  policy,
  request,
  spec,
} from '../cache/fixtures.ts';
import { decideLookup } from './lookup.decide.ts';

const readyAt = new Date('2030-01-01T00:00:00.000Z');
const soon = new Date('2030-01-01T01:00:00.000Z');

describe('decideLookup', () => {
  it('starts a fetch when nothing is cached', () => {
    const ref = request();
    expect(decideLookup(emptyEntry(cacheKey), ref, spec, soon, policy)).toEqual([
      { kind: 'fetch-queued', request: ref, startedFetch: true, spec },
    ]);
  });

  it('joins the fetch in flight', () => {
    const started = fetchQueued(request(), true);
    const entry = evolve(emptyEntry(cacheKey), started);
    const ref = request();
    const minuteLater = new Date(Date.parse(started.occurredAt) + 60_000);
    expect(decideLookup(entry, ref, spec, minuteLater, policy)).toEqual([
      { kind: 'fetch-queued', request: ref, startedFetch: false, spec },
    ]);
  });

  it('serves a fresh entry by file id when Telegram has it, else by object', () => {
    const first = request();
    const ready = [fetchQueued(first, true), mediaReady({ occurredAt: readyAt })].reduce(
      evolve,
      emptyEntry(cacheKey),
    );
    const ref = request();
    expect(decideLookup(ready, ref, spec, soon, policy)).toEqual([
      {
        kind: 'cache-hit',
        request: ref,
        telegramFileId: null,
        objectKey: 'media/video.mp4',
        bucket: 'media',
        mediaKind: 'video',
      },
    ]);
    const withFileId = evolve(ready, delivered(first, 'FILE-1'));
    expect(decideLookup(withFileId, ref, spec, soon, policy)).toMatchObject([
      { kind: 'cache-hit', telegramFileId: 'FILE-1' },
    ]);
  });

  it('names the bucket of a download delivered as it was fetched', () => {
    const ready = [
      fetchQueued(request(), true),
      mediaReady({ occurredAt: readyAt, bucket: 'raw', objectKey: 'cache-x/fetch-1/clip.mp4' }),
    ].reduce(evolve, emptyEntry(cacheKey));
    expect(decideLookup(ready, request(), spec, soon, policy)).toMatchObject([
      { kind: 'cache-hit', objectKey: 'cache-x/fetch-1/clip.mp4', bucket: 'raw' },
    ]);
  });

  it('gives a link for a fresh entry over the upload limit', () => {
    const ready = [
      fetchQueued(request(), true),
      mediaReady({ occurredAt: readyAt, sizeBytes: policy.uploadLimitBytes + 1 }),
    ].reduce(evolve, emptyEntry(cacheKey));
    const ref = request();
    expect(decideLookup(ready, ref, spec, soon, policy)).toEqual([{ kind: 'link', request: ref }]);
  });

  it('fetches again once the entry expired', () => {
    const ready = [fetchQueued(request(), true), mediaReady({ occurredAt: readyAt })].reduce(
      evolve,
      emptyEntry(cacheKey),
    );
    const dayLater = new Date(readyAt.getTime() + policy.defaultTtlMs);
    expect(decideLookup(ready, request(), spec, dayLater, policy)).toMatchObject([
      { kind: 'fetch-queued', startedFetch: true },
    ]);
  });

  it('starts a new fetch instead of joining one that has been running too long', () => {
    const stuck = fetchQueued(request(), true);
    const entry = evolve(emptyEntry(cacheKey), stuck);
    const queuedAt = Date.parse(stuck.occurredAt);
    const justBefore = new Date(queuedAt + policy.fetchStaleAfterMs - 1);
    const after = new Date(queuedAt + policy.fetchStaleAfterMs);
    expect(decideLookup(entry, request(), spec, justBefore, policy)).toMatchObject([
      { kind: 'fetch-queued', startedFetch: false },
    ]);
    const ref = request();
    expect(decideLookup(entry, ref, spec, after, policy)).toMatchObject([
      { kind: 'fetch-queued', startedFetch: true },
    ]);
    // The new fetch replaces the stuck one: a late failure of the old one drops nobody.
    const restarted = evolve(entry, fetchQueued(ref, true));
    expect(restarted.staleFetchIds).toContain(stuck.eventId);
    expect(evolve(restarted, fetchFailed(stuck)).status).toBe('fetching');
  });

  it('answers a request only once', () => {
    const ref = request();
    const entry = evolve(emptyEntry(cacheKey), fetchQueued(ref, true));
    expect(decideLookup(entry, ref, spec, soon, policy)).toEqual([]);
  });
});
