import {
  cacheStream,
  deterministicUuidv7,
  FetchAbandoned,
  FetchFailed,
  MediaFetched,
  type Envelope,
  type FetchProgressed,
  type FetchQueued,
  type RecordedEnvelope,
} from '@mediabot/contracts';
import { occurredAtMs } from '@mediabot/media-jobs';
import type { DownloadProgress } from '@mediabot/media-tools';
import type { z } from 'zod';
import type { DownloadErrorData } from '../shared/download-error.ts';
import { downloaderActor } from '../shared/actor.ts';

export type FetchQueuedData = z.output<typeof FetchQueued.schema>;
export type FetchProgressedData = z.output<typeof FetchProgressed.schema>;

export type FetchStage = 'download' | 'store';

export type FetchConclusion =
  | { kind: 'fetched'; objectKey: string; sizeBytes: number; fileName: string }
  | { kind: 'failed'; stage: FetchStage; error: DownloadErrorData }
  | { kind: 'cancelled' };

/**
 * How a fetch ended, if it has: the download.fetched or download.fetch-failed that answers
 * this very fetch-queued (its causation), whoever wrote it.
 */
export function fetchOutcomeIn(
  stream: readonly RecordedEnvelope[],
  fetchId: string,
): 'fetched' | 'failed' | null {
  for (const event of stream) {
    if (event.causationId !== fetchId) continue;
    if (MediaFetched.is(event)) return 'fetched';
    if (FetchFailed.is(event)) return 'failed';
  }
  return null;
}

/**
 * Whether the cache stream, when it holds this fetch-queued, has a fetch-abandoned after it.
 * Stream order needs no clock; isAbandoned covers a fetch-queued kept in another stream.
 */
export function abandonedInStream(stream: readonly RecordedEnvelope[], fetchId: string): boolean {
  const queuedAt = stream.findIndex((event) => event.eventId === fetchId);
  return queuedAt !== -1 && stream.slice(queuedAt + 1).some((event) => FetchAbandoned.is(event));
}

/** A fetch queued at or before an abandonment of its cache key must not run (or go on). */
export function isAbandoned(queuedAt: Date, latestAbandonment: Date | null): boolean {
  return latestAbandonment !== null && latestAbandonment.getTime() >= queuedAt.getTime();
}

/**
 * The one event that ends a fetch, or nothing when the stream already has an ending for it.
 * Every ending of one fetch shares one id, so even two racing instances cannot both land one.
 */
export function decideFetchConclusion(
  stream: readonly RecordedEnvelope[],
  cause: Envelope<string, FetchQueuedData>,
  conclusion: FetchConclusion,
  now: Date,
): Envelope[] {
  if (fetchOutcomeIn(stream, cause.eventId) !== null) return [];
  const { cacheKey, title, uploader, option } = cause.data;
  const options = {
    streamId: cacheStream(cacheKey),
    actor: downloaderActor,
    causedBy: cause,
    occurredAt: now,
    eventId: deterministicUuidv7(`fetch-conclusion:${cause.eventId}`, occurredAtMs(cause)),
  };
  switch (conclusion.kind) {
    case 'fetched':
      return [
        MediaFetched.create(
          {
            cacheKey,
            objectKey: conclusion.objectKey,
            sizeBytes: conclusion.sizeBytes,
            fileName: conclusion.fileName,
            title,
            uploader,
            option,
          },
          options,
        ),
      ];
    case 'failed':
      return [
        FetchFailed.create({ cacheKey, stage: conclusion.stage, error: conclusion.error }, options),
      ];
    case 'cancelled':
      return [
        FetchFailed.create(
          { cacheKey, stage: 'download', error: { code: 'cancelled', retryable: false } },
          options,
        ),
      ];
  }
}

export function downloadProgressData(
  cacheKey: string,
  progress: DownloadProgress,
): FetchProgressedData {
  const round = (value: number | null): number | null =>
    value === null ? null : Math.round(value * 10) / 10;
  return {
    cacheKey,
    stage: 'downloading',
    percent:
      progress.percent === null ? null : Math.min(100, Math.max(0, round(progress.percent) ?? 0)),
    downloadedBytes: Math.max(0, Math.round(progress.downloadedBytes)),
    totalBytes: progress.totalBytes === null ? null : Math.max(0, Math.round(progress.totalBytes)),
    speedBytesPerSecond:
      progress.speedBytesPerSecond === null ? null : Math.max(0, progress.speedBytesPerSecond),
    etaSeconds: progress.etaSeconds === null ? null : Math.max(0, progress.etaSeconds),
  };
}

/** What to do with a fetch that threw. */
export type FetchFailureAction =
  | { kind: 'conclude'; conclusion: FetchConclusion }
  /** Give the message back (shutdown, lost connection) or try again later (transient error). */
  | { kind: 'retry'; reason: string };

export function decideFetchFailure(input: {
  error: DownloadErrorData;
  stage: FetchStage;
  cancelledByUser: boolean;
  interrupted: boolean;
  attempt: number;
  maxAttempts: number;
}): FetchFailureAction {
  if (input.cancelledByUser) return { kind: 'conclude', conclusion: { kind: 'cancelled' } };
  if (input.interrupted) return { kind: 'retry', reason: 'interrupted' };
  if (input.error.retryable && input.attempt < input.maxAttempts) {
    return { kind: 'retry', reason: input.error.code };
  }
  return {
    kind: 'conclude',
    conclusion: { kind: 'failed', stage: input.stage, error: input.error },
  };
}
