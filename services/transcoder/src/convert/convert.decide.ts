import {
  cacheStream,
  deterministicUuidv7,
  FetchFailed,
  MediaReady,
  type Envelope,
  type MediaFetched,
  type RecordedEnvelope,
} from '@mediabot/contracts';
import { occurredAtMs, type DownloadErrorData } from '@mediabot/media-jobs';
import { planTranscode, type MediaProbe } from '@mediabot/media-tools';
import type { z } from 'zod';
import { transcoderActor } from '../shared/actor.ts';

export type MediaFetchedData = z.output<typeof MediaFetched.schema>;
export type MediaReadyData = z.output<typeof MediaReady.schema>;

export type ConversionStage = 'convert' | 'store';

export type ConversionEnding =
  | { kind: 'ready'; data: MediaReadyData }
  | { kind: 'failed'; stage: ConversionStage; error: DownloadErrorData };

/** Whether this download.fetched already has its answer (media-ready or a failure). */
export function conversionEndedIn(stream: readonly RecordedEnvelope[], fetchedId: string): boolean {
  return stream.some(
    (event) => event.causationId === fetchedId && (MediaReady.is(event) || FetchFailed.is(event)),
  );
}

/** The one event answering a download.fetched; nothing when it is answered already. */
export function decideConversionEnding(
  stream: readonly RecordedEnvelope[],
  cause: Envelope<string, MediaFetchedData>,
  ending: ConversionEnding,
  now: Date,
): Envelope[] {
  if (conversionEndedIn(stream, cause.eventId)) return [];
  const options = {
    streamId: cacheStream(cause.data.cacheKey),
    actor: transcoderActor,
    causedBy: cause,
    occurredAt: now,
    // One id for every ending of one conversion: two racing instances cannot both land one.
    eventId: deterministicUuidv7(`conversion-ending:${cause.eventId}`, occurredAtMs(cause)),
  };
  if (ending.kind === 'ready') return [MediaReady.create(ending.data, options)];
  return [
    FetchFailed.create(
      { cacheKey: cause.data.cacheKey, stage: ending.stage, error: ending.error },
      options,
    ),
  ];
}

/** What the user asked for: an MP3, or a video capped at the chosen height. */
export type OutputPlan = { kind: 'audio' } | { kind: 'video'; maxHeight: number | undefined };

const tierHeights: Record<string, number> = { '1080p': 1080, '720p': 720, '360p': 360 };

/**
 * A video option whose file turns out to have no picture still yields something playable: the
 * sound, as an MP3.
 */
export function outputPlanFor(option: MediaFetchedData['option'], probe: MediaProbe): OutputPlan {
  if (option.kind === 'audio' || probe.video === null) return { kind: 'audio' };
  return { kind: 'video', maxHeight: tierHeights[option.quality] };
}

/** Whether the file is a video Telegram plays as it is (for this option): nothing to make. */
export function isPassThrough(option: MediaFetchedData['option'], probe: MediaProbe): boolean {
  const plan = outputPlanFor(option, probe);
  return (
    plan.kind === 'video' &&
    planTranscode(probe, { maxHeight: plan.maxHeight }).action === 'pass-through'
  );
}

/** A display name for Telegram from an untrusted title: no path or control characters. */
export function outputFileName(title: string, kind: 'audio' | 'video'): string {
  const cleaned = title
    .replace(/[\u0000-\u001f\u007f/\\:*?"<>|]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 200)
    // No hidden files and no names made of dots only.
    .replace(/^[.\s]+/, '')
    .trim();
  return `${cleaned === '' ? 'media' : cleaned}.${kind === 'audio' ? 'mp3' : 'mp4'}`;
}

const positiveOrNull = (value: number | null | undefined): number | null =>
  value != null && Number.isFinite(value) && value > 0 ? Math.round(value) : null;

export function mediaReadyData(input: {
  fetched: MediaFetchedData;
  kind: 'audio' | 'video';
  /** Where objectKey lies: `raw` when the fetched file itself is delivered. */
  bucket: MediaReadyData['bucket'];
  objectKey: string;
  thumbnailObjectKey: string | null;
  sizeBytes: number;
  probe: MediaProbe;
}): MediaReadyData {
  const { fetched, kind, probe } = input;
  const duration = probe.durationSeconds;
  return {
    cacheKey: fetched.cacheKey,
    objectKey: input.objectKey,
    bucket: input.bucket,
    thumbnailObjectKey: input.thumbnailObjectKey,
    kind,
    mimeType: kind === 'audio' ? 'audio/mpeg' : 'video/mp4',
    fileName: outputFileName(fetched.title, kind),
    sizeBytes: input.sizeBytes,
    width: kind === 'video' ? positiveOrNull(probe.video?.width) : null,
    height: kind === 'video' ? positiveOrNull(probe.video?.height) : null,
    durationSeconds:
      duration != null && Number.isFinite(duration) && duration >= 0 ? duration : null,
    title: fetched.title,
    performer: fetched.uploader,
  };
}

export type ConversionFailureAction =
  { kind: 'conclude'; ending: ConversionEnding } | { kind: 'retry'; reason: string };

export function decideConversionFailure(input: {
  error: DownloadErrorData;
  stage: ConversionStage;
  interrupted: boolean;
  attempt: number;
  maxAttempts: number;
}): ConversionFailureAction {
  if (input.interrupted) return { kind: 'retry', reason: 'interrupted' };
  if (input.error.retryable && input.attempt < input.maxAttempts) {
    return { kind: 'retry', reason: input.error.code };
  }
  return { kind: 'conclude', ending: { kind: 'failed', stage: input.stage, error: input.error } };
}
