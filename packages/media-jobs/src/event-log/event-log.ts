import {
  AppError,
  type Envelope,
  type MessageDefinition,
  type RecordedEnvelope,
} from '@mediabot/contracts';
import type { EventStore } from '@mediabot/eventstore';
import type { z } from 'zod';

/** The current-version data of a recorded event of a known type (upcast when stored older). */
export function dataOf<TSchema extends z.ZodType>(
  definition: MessageDefinition<string, TSchema>,
  event: Pick<RecordedEnvelope, 'version' | 'data'>,
): z.output<TSchema> {
  return definition.parseData(event.version, event.data);
}

/** Milliseconds of a message's occurredAt: the timestamp part of ids derived from it. */
export function occurredAtMs(message: Pick<Envelope, 'occurredAt'>): number {
  return Date.parse(message.occurredAt);
}

function isConflict(error: unknown): boolean {
  return error instanceof AppError && error.code === 'wrong_expected_version';
}

export interface DecidedAppend {
  /** What was appended now (empty when the decision was to append nothing). */
  appended: readonly Envelope[];
  /** The stream as the decision saw it. */
  stream: readonly RecordedEnvelope[];
}

/**
 * Reads a stream, asks `decide` what to append given what is there, and appends it at exactly
 * that version. When someone else appended in between, reads again and decides again: the
 * decision always rests on the stream it will extend. Deterministic event ids make a repeat of
 * an append that already happened a no-op.
 */
export async function appendDecided(
  store: EventStore,
  streamId: string,
  decide: (stream: readonly RecordedEnvelope[]) => readonly Envelope[],
  attempts = 5,
): Promise<DecidedAppend> {
  for (let attempt = 1; ; attempt += 1) {
    const stream = await store.readStream(streamId);
    const events = decide(stream);
    if (events.length === 0) return { appended: [], stream };
    const last = stream.at(-1);
    try {
      await store.append(streamId, events, {
        expectedVersion: last === undefined ? 'no_stream' : last.streamVersion,
      });
      return { appended: events, stream };
    } catch (error) {
      if (!isConflict(error)) throw error;
      if (attempt >= attempts) {
        throw new AppError('stream_contended', `Stream ${streamId} kept changing under us`, {
          retryable: true,
          cause: error,
        });
      }
    }
  }
}

/** Appends at the stream's current end, whatever is there (progress reports, nothing decided). */
export async function appendAtEnd(
  store: EventStore,
  streamId: string,
  events: readonly Envelope[],
  attempts = 5,
): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    const version = await store.streamVersion(streamId);
    try {
      await store.append(streamId, events, { expectedVersion: version ?? 'no_stream' });
      return;
    } catch (error) {
      if (!isConflict(error) || attempt >= attempts) throw error;
    }
  }
}
