import { describe, expect, it } from 'vitest';
import { createFetchJobs } from './fetch-jobs.ts';

describe('createFetchJobs', () => {
  it('cancels the jobs of a cache key queued up to the abandonment, once', () => {
    const jobs = createFetchJobs();
    const early = jobs.start({ fetchId: 'a', cacheKey: 'k', queuedAt: new Date(1_000) });
    const late = jobs.start({ fetchId: 'b', cacheKey: 'k', queuedAt: new Date(5_000) });
    const other = jobs.start({ fetchId: 'c', cacheKey: 'other', queuedAt: new Date(1_000) });

    expect(jobs.cancel('k', new Date(2_000))).toBe(1);
    expect(early.signal.aborted && early.cancelled).toBe(true);
    expect(late.signal.aborted || other.signal.aborted).toBe(false);
    expect(jobs.cancel('k', new Date(2_000))).toBe(0);

    jobs.finish(early);
    expect(jobs.running().map((job) => job.fetchId)).toEqual(['b', 'c']);
  });
});
