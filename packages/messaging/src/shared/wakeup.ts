import { sleep } from './abort.ts';

/** A level-triggered wake-up: a notification that arrives while nobody sleeps is not lost. */
export interface Wakeup {
  notify(): void;
  /** Sleeps up to `ms`, returning early on a notification (even one that came before) or on abort. */
  wait(ms: number, signal: AbortSignal): Promise<void>;
}

export function createWakeup(): Wakeup {
  let pending = false;
  let current: AbortController | undefined;
  return {
    notify() {
      pending = true;
      current?.abort();
    },
    async wait(ms, signal) {
      if (pending) {
        pending = false;
        return;
      }
      current = new AbortController();
      await sleep(ms, AbortSignal.any([signal, current.signal]));
      current = undefined;
      pending = false;
    },
  };
}
