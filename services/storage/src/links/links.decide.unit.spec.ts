import { describe, expect, it } from 'vitest';
import { emptyEntry, evolve } from '../cache/cache-entry.ts';
import {
  cacheKey,
  delivered,
  fetchQueued,
  mediaReady,
  policy,
  request,
} from '../cache/fixtures.ts';
import { decideLinks } from './links.decide.ts';
import type { Envelope } from '@mediabot/contracts';

const fold = (events: Envelope[]) => events.reduce(evolve, emptyEntry(cacheKey));

describe('decideLinks', () => {
  it('links every waiting request once an oversize file is ready', () => {
    const [a, b, c] = [request(), request(), request()];
    const entry = fold([
      fetchQueued(a, true),
      fetchQueued(b, false),
      mediaReady({ sizeBytes: policy.uploadLimitBytes + 1 }),
      delivered(c, null),
    ]);
    expect(decideLinks(entry, policy)).toEqual([
      { kind: 'link', request: a },
      { kind: 'link', request: b },
    ]);
  });

  it('leaves files Telegram takes to the notifier', () => {
    const a = request();
    expect(
      decideLinks(
        fold([fetchQueued(a, true), mediaReady({ sizeBytes: policy.uploadLimitBytes })]),
        policy,
      ),
    ).toEqual([]);
    expect(decideLinks(fold([fetchQueued(a, true)]), policy)).toEqual([]);
  });
});
