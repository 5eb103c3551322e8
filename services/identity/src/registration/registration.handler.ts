import { AppError, type Envelope } from '@mediabot/contracts';
import { EventStoreError, type EventStore } from '@mediabot/eventstore';
import { decideRegistration } from './decide-registration.ts';

/**
 * Decides against the user's stream as it is now. Two messages about the same new user racing
 * each other: the loser gets wrong_expected_version and is retried, and then sees the account.
 */
export async function handleRegistration(store: EventStore, message: Envelope): Promise<void> {
  const probe = decideRegistration(message, { version: null });
  if (!probe) return;
  const version = await store.streamVersion(probe.streamId);
  const decision = decideRegistration(message, { version });
  if (!decision) return;
  try {
    await store.append(decision.streamId, decision.events, {
      expectedVersion: decision.expectedVersion,
    });
  } catch (error) {
    if (error instanceof EventStoreError && error.code === 'wrong_expected_version') {
      throw new AppError(
        'user_stream_moved',
        `User stream ${decision.streamId} changed meanwhile; deciding again`,
        {
          retryable: true,
          cause: error,
        },
      );
    }
    throw error;
  }
}
