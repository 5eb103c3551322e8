import { AppError } from '@mediabot/contracts';

export type EventStoreErrorCode =
  'wrong_expected_version' | 'duplicate_event_id' | 'empty_append' | 'event_store_unavailable';

export class EventStoreError extends AppError<EventStoreErrorCode> {}

export function wrongExpectedVersion(
  streamId: string,
  expected: string,
  actual: bigint | null,
): EventStoreError {
  return new EventStoreError(
    'wrong_expected_version',
    `Stream ${streamId}: expected version ${expected}, but it is ${actual === null ? 'absent' : actual.toString()}`,
    { retryable: false, details: { streamId, expected, actual: actual?.toString() ?? null } },
  );
}
