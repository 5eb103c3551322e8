import { describe, expect, it } from 'vitest';
import { emptyEntry, evolve } from '../cache/cache-entry.ts';
import { cacheHit, cacheKey, fetchQueued, request } from '../cache/fixtures.ts';
import { decideCancel } from './cancel.decide.ts';
import type { Envelope } from '@mediabot/contracts';

const fold = (events: Envelope[]) => events.reduce(evolve, emptyEntry(cacheKey));

describe('decideCancel', () => {
  it('cancels a waiting request and keeps the fetch while others wait', () => {
    const [a, b] = [request(), request()];
    const entry = fold([fetchQueued(a, true), fetchQueued(b, false)]);
    expect(decideCancel(entry, [a])).toEqual([{ kind: 'cancelled', request: a }]);
  });

  it('abandons the fetch when the last waiter cancels', () => {
    const [a, b] = [request(), request()];
    const entry = fold([fetchQueued(a, true), fetchQueued(b, false)]);
    expect(decideCancel(entry, [a, b])).toEqual([
      { kind: 'cancelled', request: a },
      { kind: 'cancelled', request: b },
      { kind: 'fetch-abandoned' },
    ]);
  });

  it('leaves served and unknown requests alone', () => {
    const [a, b] = [request(), request()];
    const entry = fold([cacheHit(a)]);
    expect(decideCancel(entry, [a, b])).toEqual([]);
  });
});
