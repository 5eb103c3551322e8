import {
  CacheHit,
  CancelRequested,
  CommandReceived,
  updateStream,
  cacheStream,
  DownloadCancelled,
  DownloadDelivered,
  DownloadLinkIssued,
  FetchAbandoned,
  FetchFailed,
  FetchQueued,
  FileIdRejected,
  FormatSelected,
  MediaFetched,
  MediaReady,
  requestStream,
  uuidv7,
  type Envelope,
  type MediaBucket,
  type QualityOption,
} from '@mediabot/contracts';
import type { CachePolicy, FetchSpec } from './cache-entry.ts';

/** Builders of the events storage folds, for tests. */

export const cacheKey = 'youtube:dQw4w9WgXcQ#720p';
export const option: QualityOption = {
  quality: '720p',
  kind: 'video',
  formatSelector: 'bv*[height<=720]+ba/b[height<=720]',
  estimatedBytes: 20_000_000,
  height: 720,
};
export const spec: FetchSpec = {
  url: 'https://www.youtube.com/watch?v=dQw4w9WgXcQ',
  title: 'Never Gonna Give You Up',
  uploader: 'Rick Astley',
  option,
};
export const policy: CachePolicy = {
  uploadLimitBytes: 50 * 1024 * 1024,
  defaultTtlMs: 24 * 3_600_000,
  popularTtlMs: 7 * 24 * 3_600_000,
  popularHits: 100,
  fetchStaleAfterMs: 3 * 3_600_000,
};

const actor = { kind: 'service', id: 'test' } as const;
const at = (occurredAt: Date | undefined) => (occurredAt ? { occurredAt } : {});

export function request(chatId = 42) {
  return { requestId: uuidv7(), chatId };
}

export function formatSelected(
  ref: { requestId: string; chatId: number },
  key = cacheKey,
): Envelope {
  return FormatSelected.create(
    { ...ref, cacheKey: key, ...spec },
    { streamId: requestStream(ref.requestId), actor: { kind: 'service', id: 'downloader' } },
  );
}

export function fetchQueued(ref: { requestId: string; chatId: number }, startedFetch: boolean) {
  return FetchQueued.create(
    { ...ref, cacheKey, startedFetch, ...spec },
    { streamId: cacheStream(cacheKey), actor },
  );
}

export function cacheHit(ref: { requestId: string; chatId: number }) {
  return CacheHit.create(
    {
      ...ref,
      cacheKey,
      telegramFileId: null,
      objectKey: 'media/x.mp4',
      bucket: 'media',
      kind: 'video',
    },
    { streamId: cacheStream(cacheKey), actor },
  );
}

export function mediaFetched(causedBy: Envelope) {
  return MediaFetched.create(
    { cacheKey, objectKey: 'raw/x.webm', sizeBytes: 10, fileName: 'x.webm', ...spec },
    { streamId: cacheStream(cacheKey), actor, causedBy },
  );
}

export function mediaReady(
  options: {
    sizeBytes?: number;
    objectKey?: string;
    bucket?: MediaBucket;
    thumbnailObjectKey?: string | null;
    occurredAt?: Date;
    causedBy?: Envelope;
  } = {},
  key = cacheKey,
) {
  return MediaReady.create(
    {
      cacheKey: key,
      objectKey: options.objectKey ?? 'media/video.mp4',
      bucket: options.bucket ?? 'media',
      thumbnailObjectKey: options.thumbnailObjectKey ?? null,
      kind: 'video',
      mimeType: 'video/mp4',
      fileName: 'Never Gonna Give You Up.mp4',
      sizeBytes: options.sizeBytes ?? 10_000_000,
      width: 1280,
      height: 720,
      durationSeconds: 212,
      title: spec.title,
      performer: spec.uploader,
    },
    {
      streamId: cacheStream(key),
      actor,
      ...at(options.occurredAt),
      ...(options.causedBy ? { causedBy: options.causedBy } : {}),
    },
  );
}

export function fetchFailed(
  causedBy?: Envelope,
  code: 'removed' | 'cancelled' = 'removed',
  key = cacheKey,
) {
  return FetchFailed.create(
    {
      cacheKey: key,
      stage: 'download',
      error: code === 'cancelled' ? { code, retryable: false } : { code, retryable: false },
    },
    { streamId: cacheStream(key), actor, ...(causedBy ? { causedBy } : {}) },
  );
}

export function delivered(
  ref: { requestId: string; chatId: number },
  telegramFileId: string | null,
  key = cacheKey,
) {
  return DownloadDelivered.create(
    {
      ...ref,
      cacheKey: key,
      via: telegramFileId ? 'upload' : 'link',
      telegramFileId,
      telegramMessageId: 7,
    },
    { streamId: requestStream(ref.requestId), actor: { kind: 'service', id: 'notifier' } },
  );
}

export function fileIdRejected(
  ref: { requestId: string; chatId: number },
  telegramFileId: string,
  key = cacheKey,
) {
  return FileIdRejected.create(
    { ...ref, cacheKey: key, telegramFileId },
    { streamId: requestStream(ref.requestId), actor: { kind: 'service', id: 'notifier' } },
  );
}

export function linkIssued(ref: { requestId: string; chatId: number }, expiresAt: string) {
  return DownloadLinkIssued.create(
    { ...ref, cacheKey, url: 'https://files.example/x', expiresAt, sizeBytes: 1 },
    { streamId: cacheStream(cacheKey), actor },
  );
}

export function cancelled(ref: { requestId: string; chatId: number }) {
  return DownloadCancelled.create({ ...ref, cacheKey }, { streamId: cacheStream(cacheKey), actor });
}

export function fetchAbandoned(occurredAt?: Date) {
  return FetchAbandoned.create(
    { cacheKey },
    { streamId: cacheStream(cacheKey), actor, ...at(occurredAt) },
  );
}

export function cancelRequested(ref: { requestId: string; chatId: number }) {
  return CancelRequested.create(
    { ...ref, callbackQueryId: null },
    { streamId: requestStream(ref.requestId), actor: { kind: 'service', id: 'gateway-bot' } },
  );
}

export function cancelCommand(chatId: number, updateId = 1) {
  return CommandReceived.create(
    {
      updateId,
      chatId,
      messageId: 5,
      user: { telegramUserId: chatId, username: null, firstName: null, languageCode: 'en' },
      command: 'cancel',
      args: '',
    },
    { streamId: updateStream(updateId), actor: { kind: 'service', id: 'gateway-bot' } },
  );
}

let keys = 0;
/** A cache key no other test uses. */
export function uniqueCacheKey(): string {
  keys += 1;
  return `youtube:test-${process.pid}-${Date.now()}-${keys}#720p`;
}
