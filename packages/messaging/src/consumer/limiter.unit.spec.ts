import { describe, expect, it } from 'vitest';
import { createLimiter } from './limiter.ts';

describe('createLimiter', () => {
  it('runs tasks one at a time in submission order when the limit is 1', async () => {
    const limit = createLimiter(1);
    const log: string[] = [];
    const releases: (() => void)[] = [];
    const task = (name: string) => () =>
      new Promise<void>((resolve) => {
        log.push(`start ${name}`);
        releases.push(() => {
          log.push(`end ${name}`);
          resolve();
        });
      });
    const done = Promise.all([limit(task('a')), limit(task('b'))]);
    await Promise.resolve();
    expect(log).toEqual(['start a']);
    releases.shift()?.();
    await new Promise((resolve) => setImmediate(resolve));
    releases.shift()?.();
    await done;
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b']);
  });

  it('passes results and failures through', async () => {
    const limit = createLimiter(2);
    await expect(limit(() => Promise.resolve(5))).resolves.toBe(5);
    await expect(limit(() => Promise.reject(new Error('no')))).rejects.toThrow('no');
  });
});
