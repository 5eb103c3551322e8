import { basename, extname } from 'node:path';
import { AppError, cacheStream, FetchQueued } from '@mediabot/contracts';
import type { AnyDatabase, EventStore } from '@mediabot/eventstore';
import {
  appendDecided,
  createJobDir,
  createProgressReporter,
  removeJobDir,
} from '@mediabot/media-jobs';
import { downloadMedia } from '@mediabot/media-tools';
import type { LongRunningHandler } from '@mediabot/messaging';
import { objectKey, type ObjectStorage } from '@mediabot/object-storage';
import { downloadErrorOf } from '../shared/download-error.ts';
import { downloaderActor } from '../shared/actor.ts';
import { latestAbandonments } from './abandonments.ts';
import {
  abandonedInStream,
  decideFetchConclusion,
  decideFetchFailure,
  downloadProgressData,
  fetchOutcomeIn,
  isAbandoned,
  type FetchConclusion,
  type FetchStage,
} from './fetch.decide.ts';
import type { FetchJobs } from './fetch-jobs.ts';

export interface FetchDependencies {
  db: AnyDatabase;
  store: EventStore;
  storage: ObjectStorage;
  jobs: FetchJobs;
  /** Each job gets a directory of its own in here, removed when it ends. */
  workRoot: string;
  proxyUrl: string;
  ytDlpPath: string;
  /** Scheduling niceness of yt-dlp and the ffmpeg it starts. */
  niceness: number;
  maxBytes: number;
  timeoutMs: number;
  progressIntervalMs: number;
  /** The fetch consumer's attempts: a transient failure on the last one ends the fetch. */
  maxAttempts: number;
  now: () => Date;
}

const rawContentTypes: Record<string, string> = {
  '.mp4': 'video/mp4',
  '.m4v': 'video/mp4',
  '.webm': 'video/webm',
  '.mkv': 'video/x-matroska',
  '.mov': 'video/quicktime',
  '.ts': 'video/mp2t',
  '.m4a': 'audio/mp4',
  '.mp3': 'audio/mpeg',
  '.ogg': 'audio/ogg',
  '.opus': 'audio/ogg',
};

/** Where a fetch's raw file goes: one prefix per cache entry, one folder per fetch. */
export function rawObjectKey(cacheKey: string, fetchId: string, fileName: string): string {
  return objectKey(cacheStream(cacheKey), fetchId, fileName);
}

/**
 * download.fetch-queued (startedFetch) → yt-dlp download through the egress proxy into a job
 * directory, progress to the cache stream, the raw file to S3, then download.fetched; or
 * download.fetch-failed. Safe to run again for the same message: an ended fetch is skipped and
 * its ending is appended once.
 */
export function createFetchHandler(deps: FetchDependencies): LongRunningHandler {
  return async (message, { delivery, logger, signal }) => {
    if (!FetchQueued.is(message)) return;
    const queued = message.data;
    // Requests that joined a running fetch wait for its ending; only the starter fetches.
    if (!queued.startedFetch) return;
    const { cacheKey } = queued;
    const streamId = cacheStream(cacheKey);
    const fetchId = message.eventId;
    const conclude = async (conclusion: FetchConclusion): Promise<void> => {
      const { appended } = await appendDecided(deps.store, streamId, (stream) =>
        decideFetchConclusion(stream, message, conclusion, deps.now()),
      );
      logger.info(
        { cacheKey, fetchId, ending: conclusion.kind, appended: appended.length > 0 },
        'Fetch ended',
      );
    };

    const stream = await deps.store.readStream(streamId);
    if (fetchOutcomeIn(stream, fetchId) !== null) {
      logger.info({ cacheKey, fetchId }, 'Fetch already ended; skipped');
      return;
    }
    const queuedAt = new Date(message.occurredAt);
    const abandonedAt = (await latestAbandonments(deps.db, [cacheKey])).get(cacheKey) ?? null;
    if (abandonedInStream(stream, fetchId) || isAbandoned(queuedAt, abandonedAt)) {
      await conclude({ kind: 'cancelled' });
      return;
    }

    const job = deps.jobs.start({ fetchId, cacheKey, queuedAt });
    const progress = createProgressReporter({
      store: deps.store,
      streamId,
      cause: message,
      actor: downloaderActor,
      intervalMs: deps.progressIntervalMs,
      now: deps.now,
      onError: (error) => logger.warn({ err: error, cacheKey }, 'Progress report not written'),
    });
    let stage: FetchStage = 'download';
    let dir: string | undefined;
    try {
      dir = await createJobDir(deps.workRoot, fetchId);
      logger.info({ cacheKey, fetchId, attempt: delivery.attempt }, 'Fetch started');
      const downloaded = await downloadMedia({
        url: queued.url,
        formatSelector: queued.option.formatSelector,
        workDir: dir,
        maxBytes: deps.maxBytes,
        timeoutMs: deps.timeoutMs,
        ytDlpPath: deps.ytDlpPath,
        niceness: deps.niceness,
        proxy: deps.proxyUrl,
        signal: AbortSignal.any([job.signal, signal]),
        onProgress: (tick) => progress.report(downloadProgressData(cacheKey, tick)),
      });
      stage = 'store';
      await progress.flush();
      progress.reportNow({
        cacheKey,
        stage: 'uploading',
        percent: null,
        downloadedBytes: downloaded.sizeBytes,
        totalBytes: downloaded.sizeBytes,
        speedBytesPerSecond: null,
        etaSeconds: null,
      });
      const fileName = basename(downloaded.filePath);
      const key = rawObjectKey(cacheKey, fetchId, fileName);
      await deps.storage.putFile(
        'raw',
        key,
        downloaded.filePath,
        rawContentTypes[extname(fileName).toLowerCase()] ?? 'application/octet-stream',
      );
      await progress.flush();
      await conclude(
        job.cancelled
          ? { kind: 'cancelled' }
          : { kind: 'fetched', objectKey: key, sizeBytes: downloaded.sizeBytes, fileName },
      );
    } catch (error) {
      await progress.flush();
      const failure = downloadErrorOf(error);
      const action = decideFetchFailure({
        error: failure,
        stage,
        cancelledByUser: job.cancelled,
        interrupted: signal.aborted,
        attempt: delivery.attempt,
        maxAttempts: deps.maxAttempts,
      });
      if (action.kind === 'retry') {
        logger.warn(
          { cacheKey, fetchId, reason: action.reason, detail: failure.detail },
          'Fetch will be tried again',
        );
        throw new AppError(
          'fetch_not_finished',
          `Fetch ${fetchId} did not finish: ${action.reason}`,
          {
            retryable: true,
            cause: error,
          },
        );
      }
      if (action.conclusion.kind === 'failed') {
        logger.warn(
          { cacheKey, fetchId, code: failure.code, detail: failure.detail },
          'Fetch failed',
        );
      }
      await conclude(action.conclusion);
    } finally {
      deps.jobs.finish(job);
      if (dir !== undefined) await removeJobDir(dir);
    }
  };
}
