import { describe, expect, it } from 'vitest';
import {
  emptyEntry,
  evolve,
  expiresAt,
  isFresh,
  waitingRequests,
  type CacheEntry,
} from './cache-entry.ts';
import {
  cacheHit,
  cacheKey,
  cancelled,
  delivered,
  fetchAbandoned,
  fetchFailed,
  fetchQueued,
  fileIdRejected,
  linkIssued,
  mediaFetched,
  mediaReady,
  policy,
  request,
} from './fixtures.ts';
import type { Envelope } from '@mediabot/contracts';

const fold = (events: readonly Envelope[], entry: CacheEntry = emptyEntry(cacheKey)) =>
  events.reduce(evolve, entry);

describe('evolve', () => {
  it('a started fetch makes the entry fetching; joiners wait on it', () => {
    const [a, b] = [request(), request()];
    const started = fetchQueued(a, true);
    const entry = fold([started, fetchQueued(b, false)]);
    expect(entry).toMatchObject({ status: 'fetching', fetchId: started.eventId });
    expect(waitingRequests(entry).map((r) => r.requestId)).toEqual([a.requestId, b.requestId]);
  });

  it('media-ready makes it ready; a newer file retires the old one and its file id', () => {
    const a = request();
    let entry = fold([fetchQueued(a, true), mediaReady({ objectKey: 'media/one.mp4' })]);
    expect(entry).toMatchObject({
      status: 'ready',
      fetchId: null,
      media: { objectKey: 'media/one.mp4' },
    });
    entry = fold([delivered(a, 'FILE-1')], entry);
    expect(entry.telegramFileId).toBe('FILE-1');
    entry = fold([mediaReady({ objectKey: 'media/two.mp4' })], entry);
    expect(entry.telegramFileId).toBeNull();
    expect(entry.retiredMedia.map((media) => media.objectKey)).toEqual(['media/one.mp4']);
  });

  it('keeps the bucket of its media; the same key in the other bucket is another file', () => {
    const a = request();
    let entry = fold([
      fetchQueued(a, true),
      mediaReady({ objectKey: 'cache-x/f/clip.mp4', bucket: 'raw', thumbnailObjectKey: 't.jpg' }),
    ]);
    expect(entry.media).toMatchObject({
      bucket: 'raw',
      objectKey: 'cache-x/f/clip.mp4',
      thumbnailObjectKey: 't.jpg',
    });
    entry = fold([delivered(a, 'FILE-1')], entry);
    entry = fold([mediaReady({ objectKey: 'cache-x/f/clip.mp4', bucket: 'media' })], entry);
    expect(entry.telegramFileId).toBeNull();
    expect(entry.retiredMedia).toMatchObject([{ bucket: 'raw', objectKey: 'cache-x/f/clip.mp4' }]);
  });

  it('the first delivered file id wins; duplicate deliveries change nothing', () => {
    const [a, b] = [request(), request()];
    const first = fold([
      fetchQueued(a, true),
      fetchQueued(b, false),
      mediaReady(),
      delivered(a, 'FILE-A'),
    ]);
    const second = fold([delivered(b, 'FILE-B')], first);
    expect(second).toMatchObject({ telegramFileId: 'FILE-A', hits: 2 });
    const again = fold([delivered(b, 'FILE-B'), delivered(a, 'FILE-A')], second);
    expect(again).toEqual(second);
    expect(again.requests.get(b.requestId)?.status).toBe('delivered');
  });

  it('a rejected file id is evicted and never recorded again', () => {
    const [a, b] = [request(), request()];
    const entry = fold([
      fetchQueued(a, true),
      mediaReady(),
      delivered(a, 'FILE-A'),
      fileIdRejected(b, 'FILE-A'),
      delivered({ requestId: b.requestId, chatId: b.chatId }, 'FILE-A'),
    ]);
    expect(entry.telegramFileId).toBeNull();
    expect(entry.rejectedFileIds).toEqual(['FILE-A']);
  });

  it('fetch-failed empties the entry and drops the waiting requests', () => {
    const [a, b, c] = [request(), request(), request()];
    const entry = fold([fetchQueued(a, true), fetchQueued(b, false), cacheHit(c), fetchFailed()]);
    expect(entry.status).toBe('empty');
    expect(entry.requests.get(a.requestId)?.status).toBe('dropped');
    expect(entry.requests.get(b.requestId)?.status).toBe('dropped');
    expect(entry.requests.get(c.requestId)?.status).toBe('served');
  });

  it('the ending of an abandoned fetch does not touch the fetch started after it', () => {
    const [a, b] = [request(), request()];
    const old = fetchQueued(a, true);
    const fresh = fetchQueued(b, true);
    const entry = fold([old, cancelled(a), fetchAbandoned(), fresh, fetchFailed(old, 'cancelled')]);
    expect(entry).toMatchObject({ status: 'fetching', fetchId: fresh.eventId });
    expect(entry.requests.get(b.requestId)?.status).toBe('waiting');
    // A file the abandoned fetch finished anyway is kept; the new fetch goes on.
    const fetchedAnyway = mediaFetched(old);
    const late = fold([fetchedAnyway, mediaReady({ causedBy: fetchedAnyway })], entry);
    expect(late).toMatchObject({ status: 'fetching', fetchId: fresh.eventId });
    expect(late.media).not.toBeNull();
  });

  it('links keep the object alive until the latest expiry', () => {
    const [a, b] = [request(), request()];
    const entry = fold([
      linkIssued(a, '2030-01-02T00:00:00.000Z'),
      linkIssued(b, '2030-01-01T00:00:00.000Z'),
    ]);
    expect(entry.linksValidUntil).toBe('2030-01-02T00:00:00.000Z');
    expect(entry.requests.get(a.requestId)?.status).toBe('linked');
  });
});

describe('time to live (D6)', () => {
  const readyAt = new Date('2030-01-01T00:00:00.000Z');
  const hours = (n: number) => new Date(readyAt.getTime() + n * 3_600_000);
  const readyEntry = (hits: number) => {
    const entry = fold([fetchQueued(request(), true), mediaReady({ occurredAt: readyAt })]);
    return { ...entry, hits };
  };

  it('keeps an entry one day from when it became ready', () => {
    const entry = readyEntry(0);
    expect(expiresAt(entry, policy)).toEqual(hours(24));
    expect(isFresh(entry, hours(23.99), policy)).toBe(true);
    expect(isFresh(entry, hours(24), policy)).toBe(false);
  });

  it('keeps it seven days once it has more than 100 hits', () => {
    expect(expiresAt(readyEntry(100), policy)).toEqual(hours(24));
    expect(expiresAt(readyEntry(101), policy)).toEqual(hours(7 * 24));
    expect(isFresh(readyEntry(101), hours(7 * 24 - 1), policy)).toBe(true);
    expect(isFresh(readyEntry(101), hours(7 * 24), policy)).toBe(false);
  });

  it('counts hits as deliveries', () => {
    let entry = readyEntry(0);
    for (let i = 0; i < 101; i += 1) entry = evolve(entry, delivered(request(), null));
    expect(entry.hits).toBe(101);
    expect(expiresAt(entry, policy)).toEqual(hours(7 * 24));
  });

  it('nothing to serve means not fresh', () => {
    expect(isFresh(emptyEntry(cacheKey), readyAt, policy)).toBe(false);
    const fetching = fold([fetchQueued(request(), true)]);
    expect(isFresh(fetching, readyAt, policy)).toBe(false);
  });
});
