import type { LogPosition } from '@mediabot/eventstore';

interface Entry {
  position: LogPosition;
  confirmed: boolean;
}

export interface ConfirmWindow {
  /** Registers a publication awaiting its broker confirm; returns how to settle it. */
  track(position: LogPosition): { confirm(): void; fail(error: Error): void };
  /** Resolves when fewer than `capacity` publications await confirms; rejects once any failed. */
  waitForSlot(): Promise<void>;
  /** Resolves when every tracked publication is confirmed; rejects once any failed. */
  waitForAll(): Promise<void>;
  /** The furthest position such that it and everything before it are confirmed (then forgets them). */
  takeConfirmedPrefix(): LogPosition | undefined;
  inFlight(): number;
}

/**
 * Keeps at most `capacity` publications unconfirmed and tells how far the log is confirmed
 * without gaps: the checkpoint may only move that far, whatever order confirms arrive in.
 */
export function createConfirmWindow(capacity: number): ConfirmWindow {
  if (!Number.isInteger(capacity) || capacity < 1)
    throw new RangeError(`Confirm window ${capacity} must be a positive integer`);
  const entries: Entry[] = [];
  let head = 0;
  let unconfirmed = 0;
  let failure: { error: Error } | undefined;
  let waiters: { ready: () => boolean; resolve: () => void; reject: (error: Error) => void }[] = [];

  const settleWaiters = () => {
    const pending = [];
    for (const waiter of waiters) {
      if (failure) waiter.reject(failure.error);
      else if (waiter.ready()) waiter.resolve();
      else pending.push(waiter);
    }
    waiters = pending;
  };

  const waitUntil = (ready: () => boolean): Promise<void> => {
    if (failure) return Promise.reject(failure.error);
    if (ready()) return Promise.resolve();
    return new Promise((resolve, reject) => waiters.push({ ready, resolve, reject }));
  };

  return {
    track(position) {
      const entry: Entry = { position, confirmed: false };
      entries.push(entry);
      unconfirmed += 1;
      let settled = false;
      return {
        confirm() {
          if (settled) return;
          settled = true;
          entry.confirmed = true;
          unconfirmed -= 1;
          settleWaiters();
        },
        fail(error) {
          if (settled) return;
          settled = true;
          failure ??= { error };
          settleWaiters();
        },
      };
    },
    waitForSlot: () => waitUntil(() => unconfirmed < capacity),
    waitForAll: () => waitUntil(() => unconfirmed === 0),
    takeConfirmedPrefix() {
      let last: LogPosition | undefined;
      while (head < entries.length && entries[head]?.confirmed) {
        last = entries[head]?.position;
        head += 1;
      }
      if (head > 1024 && head * 2 > entries.length) {
        entries.splice(0, head);
        head = 0;
      }
      return last;
    },
    inFlight: () => unconfirmed,
  };
}
