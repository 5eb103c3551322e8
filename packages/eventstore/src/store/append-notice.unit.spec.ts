import { afterEach, describe, expect, it, vi } from 'vitest';
import { createAppendNotice } from './append-notice.ts';

function controlledNotify() {
  const calls: { resolve: () => void }[] = [];
  const notify = () =>
    new Promise<void>((resolve) => {
      calls.push({ resolve });
    });
  return { calls, notify };
}

describe('createAppendNotice', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('sends the first notice at once, and an owed one no sooner than the interval after the last', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'performance'] });
    const { calls, notify } = controlledNotify();
    const notice = createAppendNotice(notify, { minIntervalMs: 5 });
    notice.send();
    expect(calls).toHaveLength(1);
    notice.send();
    calls[0]!.resolve();
    await vi.advanceTimersByTimeAsync(4);
    expect(calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toHaveLength(2);
    calls[1]!.resolve();
    await vi.advanceTimersByTimeAsync(100);
    expect(calls).toHaveLength(2);
    notice.send();
    expect(calls).toHaveLength(3);
    calls[2]!.resolve();
    await notice.settled();
  });

  it('holds a send that comes soon after the last notice until the interval has passed', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'performance'] });
    const { calls, notify } = controlledNotify();
    const notice = createAppendNotice(notify, { minIntervalMs: 5 });
    notice.send();
    calls[0]!.resolve();
    await vi.advanceTimersByTimeAsync(1);
    notice.send(); // the first notice is done, but only 1 ms ago
    notice.send();
    await vi.advanceTimersByTimeAsync(3);
    expect(calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toHaveLength(2);
    calls[1]!.resolve();
    await notice.settled();
    expect(calls).toHaveLength(2);
  });

  it('sends one notice at a time and folds the sends made meanwhile into exactly one more', async () => {
    const { calls, notify } = controlledNotify();
    const notice = createAppendNotice(notify, { minIntervalMs: 0 });
    notice.send();
    notice.send();
    notice.send();
    expect(calls).toHaveLength(1);
    calls[0]!.resolve();
    await Promise.resolve();
    await Promise.resolve();
    expect(calls).toHaveLength(2);
    calls[1]!.resolve();
    await notice.settled();
    expect(calls).toHaveLength(2);
  });

  it('sends again for an append that finishes after the last notice went out', async () => {
    const { calls, notify } = controlledNotify();
    const notice = createAppendNotice(notify, { minIntervalMs: 0 });
    notice.send();
    calls[0]!.resolve();
    await notice.settled();
    notice.send();
    expect(calls).toHaveLength(2);
    calls[1]!.resolve();
    await notice.settled();
  });

  it('keeps working after a notice fails', async () => {
    let attempts = 0;
    const notice = createAppendNotice(
      () => {
        attempts += 1;
        return attempts === 1 ? Promise.reject(new Error('connection lost')) : Promise.resolve();
      },
      { minIntervalMs: 0 },
    );
    notice.send();
    await notice.settled();
    notice.send();
    await notice.settled();
    expect(attempts).toBe(2);
  });
});
