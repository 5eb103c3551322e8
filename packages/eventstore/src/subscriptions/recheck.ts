import type { EventStore } from '../store/event-store.ts';

/**
 * After a read that found nothing: how soon a reader of the log (the relay, a subscription)
 * looks again on its own. Committed events may wait behind an older open transaction, invisible
 * until it ends, and their wake-up has already come: then look again soon, from 2 ms doubling up
 * to the poll interval while that transaction stays open. Otherwise 0: wait for the next wake-up
 * or the poll.
 */
export async function recheckDelayMs(
  store: Pick<EventStore, 'hasEventsBeyondHorizon'>,
  previousMs: number,
  pollIntervalMs: number,
): Promise<number> {
  if (!(await store.hasEventsBeyondHorizon())) return 0;
  return Math.min(pollIntervalMs, Math.max(2, previousMs * 2));
}
