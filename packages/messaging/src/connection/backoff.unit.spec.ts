import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff.ts';

const options = { initialDelayMs: 100, maxDelayMs: 1000, factor: 2, jitter: 0.5 };

describe('backoffDelay', () => {
  it('doubles from the initial delay up to the cap', () => {
    const noJitter = () => 0;
    expect([1, 2, 3, 4, 5, 6].map((attempt) => backoffDelay(attempt, options, noJitter))).toEqual([
      100, 200, 400, 800, 1000, 1000,
    ]);
  });

  it('jitters downwards so the cap always holds', () => {
    expect(backoffDelay(10, options, () => 1)).toBe(500);
    expect(backoffDelay(10, options, () => 0.999)).toBeLessThanOrEqual(1000);
    expect(backoffDelay(1, options, () => 0.5)).toBe(75);
  });
});
