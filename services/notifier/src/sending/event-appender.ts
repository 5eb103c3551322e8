import { AppError, type Envelope } from '@mediabot/contracts';
import { EventStoreError, type EventStore } from '@mediabot/eventstore';
import type { EventAppender } from '../notifier-deps.ts';

/**
 * Appends to a stream others append to as well (a request's stream): at its current version,
 * again on a conflict. Event ids are deterministic, so a repeat is recognised as already appended.
 */
export function createEventAppender(store: EventStore, attempts = 5): EventAppender {
  return {
    async append(streamId, events: readonly Envelope[]) {
      for (let attempt = 1; ; attempt += 1) {
        const version = await store.streamVersion(streamId);
        try {
          await store.append(streamId, events, { expectedVersion: version ?? 'no_stream' });
          return;
        } catch (error) {
          const conflict =
            error instanceof EventStoreError && error.code === 'wrong_expected_version';
          if (!conflict) throw error;
          if (attempt >= attempts) {
            throw new AppError('append_contended', `Stream ${streamId} kept moving`, {
              retryable: true,
              cause: error,
            });
          }
        }
      }
    },
  };
}
