import { MediaFetched } from '@mediabot/contracts';
import { openEventInfrastructure } from '@mediabot/event-service';
import { sweepLeftoverJobDirs } from '@mediabot/media-jobs';
import { createObjectStorage, objectStorageOptionsOf } from '@mediabot/object-storage';
import type { ServiceContext, StartResult } from '@mediabot/service-kit';
import type { TranscoderConfig } from './config.ts';
import { createConvertHandler } from './convert/convert.handler.ts';
import { migrations, transcoderSchema } from './migrations.ts';

/** Waits between attempts; attempts in all = delays + 1. */
export const retryDelaysMs = [5_000, 30_000] as const;

/** The transcoder: makes every fetched file Telegram-ready (download.fetched → media-ready). */
export async function startTranscoder(
  context: ServiceContext<TranscoderConfig>,
  options: { now?: () => Date } = {},
): Promise<StartResult> {
  const { config, logger } = context;
  await sweepLeftoverJobDirs(config.TRANSCODE_WORK_DIR, (fields, message) =>
    logger.warn(fields, message),
  );
  const infra = await openEventInfrastructure(context, {
    schema: transcoderSchema,
    migrations,
  });
  const storage = createObjectStorage(objectStorageOptionsOf(config));
  await storage.ensureBuckets();
  context.addReadinessCheck({ name: 's3', check: () => storage.check() });

  await infra.consume({
    bindings: [MediaFetched.type],
    longRunningHandler: createConvertHandler({
      store: infra.store,
      storage,
      workRoot: config.TRANSCODE_WORK_DIR,
      ffmpegPath: config.FFMPEG_PATH,
      ffprobePath: config.FFPROBE_PATH,
      timeoutMs: config.TRANSCODE_TIMEOUT,
      preset: config.TRANSCODE_PRESET,
      progressIntervalMs: config.PROGRESS_INTERVAL,
      maxAttempts: retryDelaysMs.length + 1,
      now: options.now ?? (() => new Date()),
    }),
    // ffmpeg is CPU-bound: one conversion per core it may use, and no more held.
    concurrency: config.TRANSCODE_CONCURRENCY,
    prefetch: config.TRANSCODE_CONCURRENCY,
    retryDelaysMs,
    // Transfers to and from S3 on top of the conversion limit.
    consumerTimeoutMs: config.TRANSCODE_TIMEOUT + 15 * 60_000,
    stopTimeoutMs: Math.max(1_000, Math.floor(config.SHUTDOWN_TIMEOUT_MS * 0.6)),
  });
  logger.info({ concurrency: config.TRANSCODE_CONCURRENCY }, 'Transcoder consuming');
  return {};
}
