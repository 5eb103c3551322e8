import { conflict } from '../bot-api/errors.ts';
import type { Update } from '../bot-api/types.ts';
import type { Clock } from '../shared/clock.ts';
import type { UpdateQueue } from './update-queue.ts';

export interface LongPollTiming {
  /** Telegram answers at most one 409 Conflict every 3 s; later ones wait that long first. */
  conflictThrottleMs: number;
  /** A poll repeating the previous offset within 3 s with timeout < 3 is made to wait 3 s. */
  repeatedPollGuardMs: number;
}

export const MAX_LONG_POLL_SECONDS = 50;

export const CONFLICT_OTHER_POLLER =
  'terminated by other getUpdates request; make sure that only one bot instance is running';
export const CONFLICT_SET_WEBHOOK = 'terminated by setWebhook request';
export const CONFLICT_WEBHOOK_ACTIVE =
  "can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first";

interface Waiter {
  offset: number;
  limit: number;
  resolve: (updates: Update[]) => void;
  reject: (error: unknown) => void;
  timer: NodeJS.Timeout;
  wakeScheduled: boolean;
  detach: () => void;
}

/**
 * getUpdates as the Bot API serves it: a request that finds nothing waits (long polling) and is
 * answered as soon as an update arrives; a newer waiting request ends the older one with 409.
 */
export class UpdatePoller {
  readonly #queue: UpdateQueue;
  readonly #clock: Clock;
  readonly #timing: LongPollTiming;
  readonly #delayedConflicts = new Set<{ timer: NodeJS.Timeout; fire: () => void }>();
  #waiter: Waiter | undefined;
  #nextConflictAt = 0;
  #previousOffset: number | undefined;
  #previousStartedAt = Number.NEGATIVE_INFINITY;

  readonly #onWaiting: () => void;

  constructor(queue: UpdateQueue, clock: Clock, timing: LongPollTiming, onWaiting: () => void) {
    this.#queue = queue;
    this.#clock = clock;
    this.#timing = timing;
    this.#onWaiting = onWaiting;
    queue.onPushed(() => this.#wake());
  }

  get isWaiting(): boolean {
    return this.#waiter !== undefined;
  }

  getUpdates(request: {
    offset: number;
    limit: number;
    timeoutSeconds: number;
    signal: AbortSignal;
  }): Promise<Update[]> {
    const now = this.#clock.now();
    let timeoutMs = request.timeoutSeconds * 1000;
    if (
      request.offset === this.#previousOffset &&
      timeoutMs < this.#timing.repeatedPollGuardMs &&
      now < this.#previousStartedAt + this.#timing.repeatedPollGuardMs
    ) {
      timeoutMs = this.#timing.repeatedPollGuardMs;
    }
    this.#previousOffset = request.offset;
    this.#previousStartedAt = now;

    const found = this.#queue.readForPolling(request.offset, request.limit);
    if (timeoutMs === 0 || found.length > 0) {
      return Promise.resolve(found.map((item) => item.update));
    }
    this.abortWaiting('other-request');
    return new Promise<Update[]>((resolve, reject) => {
      const onAbort = (): void => {
        // The client hung up: nobody is left to answer.
        if (this.#waiter === waiter) this.#settle(waiter);
        resolve([]);
      };
      const waiter: Waiter = {
        offset: request.offset,
        limit: request.limit,
        resolve,
        reject,
        wakeScheduled: false,
        timer: setTimeout(() => this.#answer(waiter), timeoutMs),
        detach: () => request.signal.removeEventListener('abort', onAbort),
      };
      request.signal.addEventListener('abort', onAbort, { once: true });
      this.#waiter = waiter;
      this.#onWaiting();
    });
  }

  /** Ends the waiting request, as a newer getUpdates or a setWebhook does on Telegram. */
  abortWaiting(reason: 'other-request' | 'set-webhook'): void {
    const waiter = this.#waiter;
    if (!waiter) return;
    this.#settle(waiter);
    const message = reason === 'set-webhook' ? CONFLICT_SET_WEBHOOK : CONFLICT_OTHER_POLLER;
    this.conflict(message).catch(waiter.reject);
  }

  /** A 409 Conflict, answered at once at most every conflictThrottleMs and delayed otherwise. */
  conflict(reason: string): Promise<never> {
    const now = this.#clock.now();
    const error = conflict(reason);
    if (now >= this.#nextConflictAt) {
      this.#nextConflictAt = now + this.#timing.conflictThrottleMs;
      return Promise.reject(error);
    }
    return new Promise<never>((_, reject) => {
      const entry = {
        fire: () => {
          this.#delayedConflicts.delete(entry);
          reject(error);
        },
        timer: setTimeout(() => entry.fire(), this.#timing.conflictThrottleMs),
      };
      this.#delayedConflicts.add(entry);
    });
  }

  /** Answers whatever is waiting, so the server can close. */
  close(): void {
    if (this.#waiter) this.#answer(this.#waiter);
    for (const entry of this.#delayedConflicts) {
      clearTimeout(entry.timer);
      entry.fire();
    }
  }

  #wake(): void {
    const waiter = this.#waiter;
    if (!waiter || waiter.wakeScheduled) return;
    // Answer on the next turn so updates pushed together leave together.
    waiter.wakeScheduled = true;
    setImmediate(() => {
      if (this.#waiter === waiter) this.#answer(waiter);
    });
  }

  #answer(waiter: Waiter): void {
    this.#settle(waiter);
    const found = this.#queue.readForPolling(waiter.offset, waiter.limit);
    waiter.resolve(found.map((item) => item.update));
  }

  #settle(waiter: Waiter): void {
    clearTimeout(waiter.timer);
    waiter.detach();
    if (this.#waiter === waiter) this.#waiter = undefined;
  }
}
