import { describe, expect, it } from 'vitest';
import { emptyEntry, evolve } from '../cache/cache-entry.ts';
import {
  cacheHit,
  cacheKey,
  cancelled,
  fetchQueued,
  fileIdRejected,
  mediaReady,
  policy,
  request,
  spec,
} from '../cache/fixtures.ts';
import { decideRefetch } from './refetch.decide.ts';
import type { Envelope } from '@mediabot/contracts';

const fold = (events: Envelope[]) => events.reduce(evolve, emptyEntry(cacheKey));
const now = new Date();

describe('decideRefetch', () => {
  it('starts a new fetch for the request whose file id was refused', () => {
    const [a, b] = [request(), request()];
    const entry = fold([fetchQueued(a, true), mediaReady(), cacheHit(b), fileIdRejected(b, 'F')]);
    expect(decideRefetch(entry, b, now, policy)).toEqual([
      { kind: 'fetch-queued', request: b, startedFetch: true, spec },
    ]);
  });

  it('joins a fetch already in flight; does nothing twice or for a cancelled request', () => {
    const [a, b, c] = [request(), request(), request()];
    const entry = fold([fetchQueued(a, true), mediaReady(), cacheHit(b), fetchQueued(c, true)]);
    expect(decideRefetch(entry, b, now, policy)).toMatchObject([
      { kind: 'fetch-queued', startedFetch: false },
    ]);
    expect(decideRefetch(entry, c, now, policy)).toEqual([]);
    expect(decideRefetch(fold([fetchQueued(a, true), cancelled(a)]), a, now, policy)).toEqual([]);
  });

  it('cannot refetch what was never queued', () => {
    expect(decideRefetch(emptyEntry(cacheKey), request(), now, policy)).toEqual([]);
  });
});
