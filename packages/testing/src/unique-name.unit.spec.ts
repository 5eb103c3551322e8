import { describe, expect, it } from 'vitest';
import { isAbandonedTestName, uniqueTestName } from './unique-name.ts';

describe('test resource names', () => {
  const now = Date.UTC(2026, 0, 1);

  it('are distinct, lower-case and safe in SQL identifiers and URLs', () => {
    const names = new Set(Array.from({ length: 50 }, () => uniqueTestName(now)));
    expect(names.size).toBe(50);
    for (const name of names) expect(name).toMatch(/^mediabot_t_[0-9a-z]+_[0-9a-f]{8}$/);
  });

  it('count as abandoned only when hours old, and never when not ours', () => {
    const name = uniqueTestName(now);
    expect(isAbandonedTestName(name, now + 60_000)).toBe(false);
    expect(isAbandonedTestName(name, now + 7 * 60 * 60_000)).toBe(true);
    expect(isAbandonedTestName('mediabot', now)).toBe(false);
    expect(isAbandonedTestName('mediabot_t_6f2a1c9e0b3d', now + 7 * 60 * 60_000)).toBe(false);
  });
});
