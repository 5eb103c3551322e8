import { basename } from 'node:path';
import { AppError, cacheStream, FetchQueued } from '@mediabot/contracts';
import type { AnyDatabase, EventStore } from '@mediabot/eventstore';
import {
  appendDecided,
  createJobDir,
  createProgressReporter,
  removeJobDir,
} from '@mediabot/media-jobs';
import {
  downloadMedia,
  exactFormatIdOf,
  type DirectSource,
  type DownloadProgress,
} from '@mediabot/media-tools';
import type { LongRunningHandler } from '@mediabot/messaging';
import { objectKey, ObjectStorageError, type ObjectStorage } from '@mediabot/object-storage';
import { downloadErrorOf } from '../shared/download-error.ts';
import { downloaderActor } from '../shared/actor.ts';
import type { EgressPolicy } from '../shared/egress-http.ts';
import { latestAbandonments } from './abandonments.ts';
import { downloadDirect, DirectSourceUnusable } from './direct-download.ts';
import type { DirectSources } from './direct-sources.ts';
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
import { rawContentTypeOf } from './raw-file.ts';

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
  /**
   * A probed format that is one plain HTTP(S) file is fetched with one GET through the egress
   * proxy, straight into S3, instead of a second yt-dlp run (absent: yt-dlp always).
   */
  direct?:
    | {
        sources: DirectSources;
        egress: EgressPolicy;
      }
    | undefined;
}

/** Where a fetch's raw file goes: one prefix per cache entry, one folder per fetch. */
export function rawObjectKey(cacheKey: string, fetchId: string, fileName: string): string {
  return objectKey(cacheStream(cacheKey), fetchId, fileName);
}

/**
 * download.fetch-queued (startedFetch) → the media into S3 `raw`, progress to the cache stream,
 * then download.fetched; or download.fetch-failed. A format the probe found to be one plain
 * HTTP(S) file is streamed from the site into S3 with one GET; anything else (or a source that
 * turns out unusable) is downloaded by yt-dlp into a job directory and put from there. Both go
 * through the egress proxy. Safe to run again for the same message: an ended fetch is skipped and
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
    const onProgress = (tick: DownloadProgress): void =>
      progress.report(downloadProgressData(cacheKey, tick));
    const fetchSignal = AbortSignal.any([job.signal, signal]);
    try {
      logger.info({ cacheKey, fetchId, attempt: delivery.attempt }, 'Fetch started');
      // A retry goes through yt-dlp, which extracts fresh URLs.
      const source = delivery.attempt === 1 ? await directSourceFor(deps, queued) : undefined;
      let stored: StoredRaw | undefined;
      if (source !== undefined && deps.direct !== undefined) {
        try {
          const fetched = await downloadDirect({
            source,
            proxyUrl: deps.proxyUrl,
            egress: deps.direct.egress,
            maxBytes: deps.maxBytes,
            timeoutMs: deps.timeoutMs,
            signal: fetchSignal,
            onProgress,
            store: async (body, file) => {
              await deps.storage.putStream(
                'raw',
                rawObjectKey(cacheKey, fetchId, file.fileName),
                body,
                {
                  contentType: file.contentType,
                  sizeBytes: file.sizeBytes,
                },
              );
            },
          });
          stored = { ...fetched, objectKey: rawObjectKey(cacheKey, fetchId, fetched.fileName) };
          logger.info({ cacheKey, fetchId, sizeBytes: fetched.sizeBytes }, 'Fetched directly');
        } catch (error) {
          if (!(error instanceof DirectSourceUnusable)) throw error;
          logger.info(
            { cacheKey, fetchId, reason: error.reason },
            'Direct source unusable; yt-dlp fetches',
          );
        }
      }
      if (stored === undefined) {
        dir = await createJobDir(deps.workRoot, fetchId);
        const downloaded = await downloadMedia({
          url: queued.url,
          formatSelector: queued.option.formatSelector,
          workDir: dir,
          maxBytes: deps.maxBytes,
          timeoutMs: deps.timeoutMs,
          ytDlpPath: deps.ytDlpPath,
          niceness: deps.niceness,
          proxy: deps.proxyUrl,
          signal: fetchSignal,
          onProgress,
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
        await deps.storage.putFile('raw', key, downloaded.filePath, rawContentTypeOf(fileName));
        stored = { objectKey: key, sizeBytes: downloaded.sizeBytes, fileName };
      }
      await progress.flush();
      await conclude(
        job.cancelled
          ? { kind: 'cancelled' }
          : {
              kind: 'fetched',
              objectKey: stored.objectKey,
              sizeBytes: stored.sizeBytes,
              fileName: stored.fileName,
            },
      );
    } catch (error) {
      await progress.flush();
      if (error instanceof ObjectStorageError) stage = 'store';
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

interface StoredRaw {
  objectKey: string;
  sizeBytes: number;
  fileName: string;
}

async function directSourceFor(
  deps: FetchDependencies,
  queued: { url: string; option: { formatSelector: string } },
): Promise<DirectSource | undefined> {
  const formatId = exactFormatIdOf(queued.option.formatSelector);
  if (deps.direct === undefined || formatId === null) return undefined;
  return deps.direct.sources.find(queued.url, formatId);
}
