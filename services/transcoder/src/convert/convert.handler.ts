import { extname, join } from 'node:path';
import { stat } from 'node:fs/promises';
import { AppError, cacheStream, MediaFetched } from '@mediabot/contracts';
import type { EventStore } from '@mediabot/eventstore';
import {
  appendDecided,
  createJobDir,
  createProgressReporter,
  mediaJobErrorOf,
  removeJobDir,
} from '@mediabot/media-jobs';
import {
  extractAudioMp3,
  makeThumbnail,
  planTranscode,
  probeFile,
  transcode,
  type MediaProbe,
  type TranscodeProgress,
  type X264Preset,
} from '@mediabot/media-tools';
import type { LongRunningHandler, MessagingLogger } from '@mediabot/messaging';
import { objectKey, type ObjectStorage } from '@mediabot/object-storage';
import { transcoderActor } from '../shared/actor.ts';
import { inspectRemoteMp4 } from './remote-media.ts';
import {
  conversionEndedIn,
  decideConversionEnding,
  decideConversionFailure,
  isPassThrough,
  mediaReadyData,
  outputPlanFor,
  type ConversionEnding,
  type ConversionStage,
} from './convert.decide.ts';

export interface ConvertDependencies {
  store: EventStore;
  storage: ObjectStorage;
  /** Each conversion gets a directory of its own in here, removed when it ends. */
  workRoot: string;
  ffmpegPath: string;
  ffprobePath: string;
  timeoutMs: number;
  preset: X264Preset;
  progressIntervalMs: number;
  /** The consumer's attempts: a transient failure on the last one ends the fetch. */
  maxAttempts: number;
  now: () => Date;
}

/** Reading a raw object where it lies (its layout, ffprobe, one frame) gives up after this. */
const remoteInspectionTimeoutMs = 30_000;

/** Where a conversion's files go: one prefix per cache entry, one folder per fetched file. */
export function mediaObjectKey(cacheKey: string, fetchedId: string, name: string): string {
  return objectKey(cacheStream(cacheKey), fetchedId, name);
}

async function thumbnailOrNull(
  request: Parameters<typeof makeThumbnail>[0],
  logger: MessagingLogger,
): Promise<string | null> {
  try {
    return (await makeThumbnail(request)).path;
  } catch (error) {
    // A video without a thumbnail still plays; Telegram makes its own.
    logger.warn({ err: error }, 'No thumbnail made');
    return null;
  }
}

/**
 * download.fetched → ffprobe, then the least work that makes it play in Telegram, a JPEG
 * thumbnail for videos, download.media-ready. A fast-start MP4 that is already playable is
 * probed where it lies and delivered from the raw object itself (media-ready names the raw
 * bucket; no download, upload or copy); anything else is downloaded, then remuxed, re-encoded to
 * H.264/AAC with faststart, or made a tagged MP3 for audio, and uploaded to the media bucket.
 * Thumbnails always go to the media bucket. Any failure ends the
 * fetch as download.fetch-failed (stage convert or store). Safe to repeat.
 */
export function createConvertHandler(deps: ConvertDependencies): LongRunningHandler {
  return async (message, { delivery, logger, signal }) => {
    if (!MediaFetched.is(message)) return;
    const fetched = message.data;
    const streamId = cacheStream(fetched.cacheKey);
    const conclude = async (ending: ConversionEnding): Promise<void> => {
      const { appended } = await appendDecided(deps.store, streamId, (stream) =>
        decideConversionEnding(stream, message, ending, deps.now()),
      );
      logger.info(
        { cacheKey: fetched.cacheKey, ending: ending.kind, appended: appended.length > 0 },
        'Conversion ended',
      );
    };
    if (conversionEndedIn(await deps.store.readStream(streamId), message.eventId)) {
      logger.info({ cacheKey: fetched.cacheKey }, 'Already converted; skipped');
      return;
    }

    const progress = createProgressReporter({
      store: deps.store,
      streamId,
      cause: message,
      actor: transcoderActor,
      intervalMs: deps.progressIntervalMs,
      now: deps.now,
      onError: (error) => logger.warn({ err: error }, 'Progress report not written'),
    });
    const onProgress = (tick: TranscodeProgress): void =>
      progress.report({
        cacheKey: fetched.cacheKey,
        stage: 'converting',
        percent: tick.percent === null ? null : Math.round(tick.percent * 10) / 10,
        downloadedBytes: null,
        totalBytes: null,
        speedBytesPerSecond: null,
        etaSeconds: null,
      });
    const tools = {
      ffmpegPath: deps.ffmpegPath,
      timeoutMs: deps.timeoutMs,
      signal,
    };
    const probeOf = (path: string): Promise<MediaProbe> =>
      probeFile(path, { ffprobePath: deps.ffprobePath, signal });
    const storeThumbnail = async (path: string | null): Promise<string | null> => {
      if (path === null) return null;
      const key = mediaObjectKey(fetched.cacheKey, message.eventId, 'thumb.jpg');
      await deps.storage.putFile('media', key, path, 'image/jpeg');
      return key;
    };

    let stage: ConversionStage = 'store';
    let dir: string | undefined;
    try {
      dir = await createJobDir(deps.workRoot, message.eventId);
      const rawLink = await deps.storage.presignedGetUrl(
        'raw',
        fetched.objectKey,
        Math.ceil(deps.timeoutMs / 1000) + 60,
        { via: 'internal' },
      );

      stage = 'convert';
      const remoteMp4 = await inspectRemoteMp4(rawLink.url, join(dir, 'thumb.jpg'), {
        ...tools,
        ffprobePath: deps.ffprobePath,
        // A stalled read of the object falls back to the local path soon, not at the full limit.
        timeoutMs: Math.min(deps.timeoutMs, remoteInspectionTimeoutMs),
        passesThrough: (probe) => isPassThrough(fetched.option, probe),
      }).catch((error: unknown) => {
        if (signal.aborted) throw error;
        logger.warn({ err: error }, 'Raw object not probed where it lies; downloading it');
        return null;
      });
      if (remoteMp4 !== null) {
        // Already playable: no download, no upload, no copy. The raw object itself is the media
        // (media-ready names the raw bucket); storage keeps it as long as its cache entry.
        logger.info({ cacheKey: fetched.cacheKey, action: 'pass-through' }, 'Conversion planned');
        stage = 'store';
        await progress.flush();
        const remoteProbe = remoteMp4.probe;
        const thumbnailPath = remoteMp4.thumbnailPath;
        await conclude({
          kind: 'ready',
          data: mediaReadyData({
            fetched,
            kind: 'video',
            bucket: 'raw',
            objectKey: fetched.objectKey,
            thumbnailObjectKey: await storeThumbnail(thumbnailPath),
            sizeBytes: fetched.sizeBytes,
            probe: remoteProbe,
          }),
        });
        return;
      }

      stage = 'store';
      const input = join(dir, `input${extname(fetched.fileName).toLowerCase() || '.bin'}`);
      await deps.storage.getToFile('raw', fetched.objectKey, input);

      stage = 'convert';
      const inputProbe = await probeOf(input);
      const plan = outputPlanFor(fetched.option, inputProbe);
      let outputPath: string;
      let thumbnailPath: string | null = null;
      if (plan.kind === 'audio') {
        outputPath = (
          await extractAudioMp3({
            ...tools,
            input,
            output: join(dir, 'media.mp3'),
            title: fetched.title,
            artist: fetched.uploader ?? undefined,
            durationSeconds: inputProbe.durationSeconds,
            onProgress,
          })
        ).path;
      } else {
        const transcodePlan = planTranscode(inputProbe, { maxHeight: plan.maxHeight });
        logger.info(
          {
            cacheKey: fetched.cacheKey,
            action: transcodePlan.action,
            reasons: transcodePlan.reasons,
          },
          'Conversion planned',
        );
        outputPath = (
          await transcode({
            ...tools,
            input,
            output: join(dir, 'media.mp4'),
            probe: inputProbe,
            plan: transcodePlan,
            maxHeight: plan.maxHeight,
            preset: deps.preset,
            onProgress,
          })
        ).path;
        thumbnailPath = await thumbnailOrNull(
          {
            ...tools,
            input: outputPath,
            output: join(dir, 'thumb.jpg'),
            durationSeconds: inputProbe.durationSeconds,
          },
          logger,
        );
      }
      const outputProbe = await probeOf(outputPath);
      const { size } = await stat(outputPath);

      stage = 'store';
      await progress.flush();
      const mediaKey = mediaObjectKey(
        fetched.cacheKey,
        message.eventId,
        plan.kind === 'audio' ? 'media.mp3' : 'media.mp4',
      );
      await deps.storage.putFile(
        'media',
        mediaKey,
        outputPath,
        plan.kind === 'audio' ? 'audio/mpeg' : 'video/mp4',
      );
      await conclude({
        kind: 'ready',
        data: mediaReadyData({
          fetched,
          kind: plan.kind,
          bucket: 'media',
          objectKey: mediaKey,
          thumbnailObjectKey: await storeThumbnail(thumbnailPath),
          sizeBytes: size,
          probe: outputProbe,
        }),
      });
    } catch (error) {
      await progress.flush();
      const failure = mediaJobErrorOf(error);
      const action = decideConversionFailure({
        error: failure,
        stage,
        interrupted: signal.aborted,
        attempt: delivery.attempt,
        maxAttempts: deps.maxAttempts,
      });
      if (action.kind === 'retry') {
        logger.warn(
          { cacheKey: fetched.cacheKey, reason: action.reason, detail: failure.detail },
          'Conversion will be tried again',
        );
        throw new AppError(
          'conversion_not_finished',
          `Conversion did not finish: ${action.reason}`,
          {
            retryable: true,
            cause: error,
          },
        );
      }
      logger.warn(
        { cacheKey: fetched.cacheKey, code: failure.code, detail: failure.detail },
        'Conversion failed',
      );
      await conclude(action.ending);
    } finally {
      if (dir !== undefined) await removeJobDir(dir);
    }
  };
}
