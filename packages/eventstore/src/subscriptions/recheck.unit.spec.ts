import { describe, expect, it } from 'vitest';
import { recheckDelayMs } from './recheck.ts';

const horizon = (held: boolean) => ({ hasEventsBeyondHorizon: () => Promise.resolve(held) });

describe('recheckDelayMs', () => {
  it('backs off from 2 ms while events wait behind an open transaction, up to the poll', async () => {
    const delays: number[] = [];
    let delay = 0;
    for (let i = 0; i < 12; i += 1) {
      delay = await recheckDelayMs(horizon(true), delay, 1000);
      delays.push(delay);
    }
    expect(delays).toEqual([2, 4, 8, 16, 32, 64, 128, 256, 512, 1000, 1000, 1000]);
  });

  it('is 0 (wait for a wake-up or the poll) when nothing waits', async () => {
    expect(await recheckDelayMs(horizon(false), 64, 1000)).toBe(0);
  });
});
