import type { AnyDatabase, AnyTransaction } from '../store/database.ts';
import type { RecordedEnvelope } from '@mediabot/contracts';
import type { EventStore } from '../store/event-store.ts';
import { positionOf, type LogPosition } from '../store/position.ts';
import type { CheckpointStore } from './checkpoints.ts';
import { listenForAppends } from './listen.ts';
import { acquireSubscriptionLock } from './lock.ts';
import { recheckDelayMs } from './recheck.ts';

export interface SubscriptionOptions {
  name: string;
  db: AnyDatabase;
  /** Used for the dedicated LISTEN and advisory-lock connections. */
  connectionString: string;
  store: EventStore;
  checkpoints: CheckpointStore;
  /** Events of other types move the checkpoint but are not handed to `handle`. */
  eventTypes?: readonly string[];
  /** Runs in the same transaction as the checkpoint update: both commit, or neither. */
  handle(trx: AnyTransaction, events: RecordedEnvelope[]): Promise<void>;
  batchSize?: number;
  pollIntervalMs?: number;
  lockRetryMs?: number;
  onError?: (error: unknown) => void;
}

export interface Subscription {
  /** The last position this instance committed. */
  position(): LogPosition;
  /** Resolves once everything up to `globalPosition` has been handled (or skipped). */
  waitFor(globalPosition: bigint): Promise<void>;
  stop(): Promise<void>;
}

class CheckpointMovedError extends Error {}

export function startSubscription(options: SubscriptionOptions): Subscription {
  const batchSize = options.batchSize ?? 500;
  const pollIntervalMs = options.pollIntervalMs ?? 1000;
  const wanted = options.eventTypes ? new Set(options.eventTypes) : undefined;
  const abort = new AbortController();
  let position: LogPosition = { transactionId: 0n, globalPosition: 0n };
  let highestSeen = 0n;
  let recheckMs = 0;
  // Level-triggered: a wake-up that comes while the loop is reading is kept for its next sleep.
  let wakePending = false;
  const keepWake = () => {
    wakePending = true;
  };
  let wake: () => void = keepWake;
  const waiters = new Set<{ target: bigint; resolve: () => void }>();

  const settleWaiters = () => {
    for (const waiter of waiters) {
      if (highestSeen >= waiter.target) {
        waiters.delete(waiter);
        waiter.resolve();
      }
    }
  };

  // Ended early by `wake`: an append, a waiter, `stop()` or the loss of the lock all call it (a
  // listener added per sleep would pile up while the loop rechecks every few milliseconds).
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      if (wakePending || abort.signal.aborted) {
        wakePending = false;
        resolve();
        return;
      }
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wake = keepWake;
        wakePending = false;
        resolve();
      }
      wake = done;
    });

  const run = async () => {
    while (!abort.signal.aborted) {
      let lock;
      try {
        lock = await acquireSubscriptionLock(options.connectionString, options.name, {
          signal: abort.signal,
          ...(options.lockRetryMs === undefined ? {} : { retryMs: options.lockRetryMs }),
        });
      } catch (error) {
        if (abort.signal.aborted) return;
        options.onError?.(error);
        continue;
      }
      let lockLost = false;
      void lock.lost.then(() => {
        lockLost = true;
        wake();
      });
      const listener = await listenForAppends(options.connectionString, () => wake());
      try {
        position = await options.checkpoints.load(options.db, options.name);
        while (!abort.signal.aborted && !lockLost) {
          try {
            const events = await options.store.readAll({ after: position, limit: batchSize });
            if (events.length === 0) {
              highestSeen = await options.store
                .headPosition()
                .then((head) => (head > highestSeen ? head : highestSeen));
              settleWaiters();
              recheckMs = await recheckDelayMs(options.store, recheckMs, pollIntervalMs);
              await sleep(recheckMs || pollIntervalMs);
              continue;
            }
            recheckMs = 0;
            const last = events[events.length - 1] as RecordedEnvelope;
            const next = positionOf(last);
            const relevant = wanted ? events.filter((event) => wanted.has(event.type)) : events;
            await options.db.transaction().execute(async (trx) => {
              if (relevant.length > 0) await options.handle(trx, relevant);
              if (!(await options.checkpoints.save(trx, options.name, position, next)))
                throw new CheckpointMovedError();
            });
            position = next;
            for (const event of events)
              if (event.globalPosition > highestSeen) highestSeen = event.globalPosition;
            settleWaiters();
          } catch (error) {
            if (error instanceof CheckpointMovedError) {
              // A rebuild swapped in new tables with their own checkpoint: continue from there.
              position = await options.checkpoints.load(options.db, options.name);
              continue;
            }
            options.onError?.(error);
            await sleep(Math.min(pollIntervalMs, 1000));
          }
        }
      } finally {
        await listener.close();
        await lock.release();
      }
    }
  };

  const running = run();
  return {
    position: () => position,
    waitFor(globalPosition) {
      if (highestSeen >= globalPosition) return Promise.resolve();
      return new Promise((resolve) => {
        waiters.add({ target: globalPosition, resolve });
        wake();
      });
    },
    async stop() {
      abort.abort();
      wake();
      await running;
    },
  };
}
