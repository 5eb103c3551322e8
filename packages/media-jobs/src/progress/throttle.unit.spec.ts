import { describe, expect, it } from 'vitest';
import { createThrottle } from './throttle.ts';

describe('createThrottle', () => {
  it('lets one report through per interval', () => {
    const passes = createThrottle(3_000);
    expect([0, 1_000, 2_999, 3_000, 4_000, 6_000].map((t) => passes(t))).toEqual([
      true,
      false,
      false,
      true,
      false,
      true,
    ]);
  });
});
