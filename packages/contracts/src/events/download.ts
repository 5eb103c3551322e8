import { createHash } from 'node:crypto';
import { z } from 'zod';
import { defineMessage } from '../registry/define-message.ts';
import { telegramUserSchema } from './conversation.ts';
import { telegramChatIdSchema } from './shared.ts';

/** A download request: one link from one user, from the first answer to delivery. */
export const requestStream = (requestId: string): string => `download-${requestId}`;

/**
 * The cache identity: the media (extractor + its id) and the chosen format, never the raw URL,
 * so two links to the same video share one entry.
 */
export const cacheKeyOf = (mediaKey: string, quality: string): string => `${mediaKey}#${quality}`;
/** Stream of one cache entry: fetches, deliveries, evictions of one media+format. */
export const cacheStream = (cacheKey: string): string =>
  `cache-${createHash('sha256').update(cacheKey).digest('hex').slice(0, 32)}`;

export const choosableQualities = ['1080p', '720p', '360p', 'audio-mp3'] as const;
export const choosableQualitySchema = z.enum(choosableQualities);
export type ChoosableQuality = z.infer<typeof choosableQualitySchema>;

export const mediaKindSchema = z.enum(['video', 'audio']);
export type MediaKind = z.infer<typeof mediaKindSchema>;

/**
 * The bucket a delivered file lies in: `media` (what the transcoder made) or `raw` (a download
 * that already played in Telegram, served as it was fetched).
 */
export const mediaBucketSchema = z.enum(['media', 'raw']);
export type MediaBucket = z.infer<typeof mediaBucketSchema>;

export const downloadErrorCodes = [
  'unsupported_site',
  'private_or_login_required',
  'removed',
  'geo_blocked',
  'too_large',
  'site_unreachable',
  'timed_out',
  'blocked_address',
  'internal',
] as const;
export const downloadErrorCodeSchema = z.enum(downloadErrorCodes);
export type DownloadErrorCode = z.infer<typeof downloadErrorCodeSchema>;

export const downloadErrorSchema = z.object({
  code: downloadErrorCodeSchema,
  retryable: z.boolean(),
  /** For logs and admins; never shown raw to a user. */
  detail: z.string().max(2000).optional(),
});

const requestRef = {
  requestId: z.uuid(),
  chatId: telegramChatIdSchema,
};

export const qualityOptionSchema = z.object({
  quality: choosableQualitySchema,
  kind: mediaKindSchema,
  /** yt-dlp format selector that realises this option. */
  formatSelector: z.string().min(1).max(500),
  estimatedBytes: z.number().int().nonnegative().nullable(),
  height: z.number().int().positive().nullable(),
});
export type QualityOption = z.infer<typeof qualityOptionSchema>;

export const DownloadRequested = defineMessage({
  kind: 'event',
  type: 'download.requested',
  version: 1,
  producer: 'gateway-bot',
  description: 'A user sent a link; the bot will probe it and offer the qualities that exist.',
  schema: z.object({
    ...requestRef,
    updateId: z.number().int().nonnegative(),
    messageId: z.number().int().positive(),
    user: telegramUserSchema,
    url: z.url({ protocol: /^https?$/ }).max(2048),
    /** The user's default quality from /settings; when available, the question is skipped. */
    preferredQuality: choosableQualitySchema.nullable(),
  }),
});

export const MediaProbed = defineMessage({
  kind: 'event',
  type: 'download.probed',
  version: 1,
  producer: 'downloader',
  description:
    'yt-dlp described the media behind a link: title, duration and the quality options that really exist.',
  schema: z.object({
    ...requestRef,
    mediaKey: z.string().min(1).max(300),
    title: z.string().max(1000),
    uploader: z.string().max(300).nullable(),
    durationSeconds: z.number().nonnegative().nullable(),
    webpageUrl: z.string().max(2048),
    options: z.array(qualityOptionSchema).min(1),
  }),
});

export const DownloadFailed = defineMessage({
  kind: 'event',
  type: 'download.failed',
  version: 1,
  producer: 'downloader',
  description:
    'A request ended in an error the user is told about (probe, download, conversion or delivery).',
  schema: z.object({
    ...requestRef,
    stage: z.enum(['probe', 'download', 'convert', 'deliver']),
    error: downloadErrorSchema,
  }),
});

export const QualityChosen = defineMessage({
  kind: 'event',
  type: 'download.quality-chosen',
  version: 1,
  producer: 'gateway-bot',
  description: 'The user picked a quality (a button, or their default quality from /settings).',
  schema: z.object({
    ...requestRef,
    quality: choosableQualitySchema,
    callbackQueryId: z.string().min(1).nullable(),
  }),
});

export const FormatSelected = defineMessage({
  kind: 'event',
  type: 'download.format-selected',
  version: 1,
  producer: 'downloader',
  description: 'The chosen quality resolved to a concrete format and a cache key.',
  schema: z.object({
    ...requestRef,
    cacheKey: z.string().min(1).max(400),
    url: z.string().max(2048),
    title: z.string().max(1000),
    uploader: z.string().max(300).nullable(),
    option: qualityOptionSchema,
  }),
});

const cacheHitV1 = z.object({
  ...requestRef,
  cacheKey: z.string().min(1).max(400),
  /** Telegram's file_id when the file was delivered before; else the stored object. */
  telegramFileId: z.string().nullable(),
  objectKey: z.string().nullable(),
  kind: mediaKindSchema,
});

export const CacheHit = defineMessage({
  kind: 'event',
  type: 'download.cache-hit',
  version: 2,
  producer: 'storage',
  description: 'The media and format are cached: the request is served without downloading.',
  schema: cacheHitV1
    .extend({
      /** Where objectKey lies; null exactly when there is no object key. */
      bucket: mediaBucketSchema.nullable(),
    })
    .refine((data) => (data.objectKey === null) === (data.bucket === null), {
      message: 'bucket is given exactly when objectKey is',
      path: ['bucket'],
    }),
  previousVersions: [
    {
      version: 1,
      schema: cacheHitV1,
      description: 'v1 had no bucket: its object always lay in the media bucket.',
      upcast: (data: z.infer<typeof cacheHitV1>) => ({
        ...data,
        bucket: data.objectKey === null ? null : ('media' as const),
      }),
    },
  ],
});

export const FetchQueued = defineMessage({
  kind: 'event',
  type: 'download.fetch-queued',
  version: 1,
  producer: 'storage',
  description:
    'Not cached: the request waits for a fetch of its media (a new one, or one already running for someone else).',
  schema: z.object({
    ...requestRef,
    cacheKey: z.string().min(1).max(400),
    /** True for the request that started the fetch; the others joined it. */
    startedFetch: z.boolean(),
    url: z.string().max(2048),
    title: z.string().max(1000),
    uploader: z.string().max(300).nullable(),
    option: qualityOptionSchema,
  }),
});

export const FetchProgressed = defineMessage({
  kind: 'event',
  type: 'download.fetch-progressed',
  version: 1,
  producer: 'downloader',
  description:
    'A running fetch moved on (downloading %, converting, uploading); at most every few seconds.',
  schema: z.object({
    cacheKey: z.string().min(1).max(400),
    stage: z.enum(['downloading', 'converting', 'uploading']),
    percent: z.number().min(0).max(100).nullable(),
    downloadedBytes: z.number().int().nonnegative().nullable(),
    totalBytes: z.number().int().nonnegative().nullable(),
    speedBytesPerSecond: z.number().nonnegative().nullable(),
    etaSeconds: z.number().nonnegative().nullable(),
  }),
});

export const MediaFetched = defineMessage({
  kind: 'event',
  type: 'download.fetched',
  version: 1,
  producer: 'downloader',
  description: 'The downloader stored the raw file; the transcoder makes it Telegram-ready.',
  schema: z.object({
    cacheKey: z.string().min(1).max(400),
    objectKey: z.string().min(1).max(1024),
    sizeBytes: z.number().int().nonnegative(),
    fileName: z.string().max(255),
    title: z.string().max(1000),
    uploader: z.string().max(300).nullable(),
    option: qualityOptionSchema,
  }),
});

export const FetchFailed = defineMessage({
  kind: 'event',
  type: 'download.fetch-failed',
  version: 1,
  producer: 'downloader',
  description: 'A fetch failed or was cancelled; every request waiting on it is told.',
  schema: z.object({
    cacheKey: z.string().min(1).max(400),
    stage: z.enum(['download', 'convert', 'store']),
    error: downloadErrorSchema.or(
      z.object({ code: z.literal('cancelled'), retryable: z.literal(false) }),
    ),
  }),
});

const mediaReadyV1 = z.object({
  cacheKey: z.string().min(1).max(400),
  objectKey: z.string().min(1).max(1024),
  /** Always in the media bucket. */
  thumbnailObjectKey: z.string().max(1024).nullable(),
  kind: mediaKindSchema,
  mimeType: z.string().max(100),
  fileName: z.string().max(255),
  sizeBytes: z.number().int().nonnegative(),
  width: z.number().int().positive().nullable(),
  height: z.number().int().positive().nullable(),
  durationSeconds: z.number().nonnegative().nullable(),
  title: z.string().max(1000),
  performer: z.string().max(300).nullable(),
});

export const MediaReady = defineMessage({
  kind: 'event',
  type: 'download.media-ready',
  version: 2,
  producer: 'transcoder',
  description:
    'A Telegram-playable file (H.264/AAC MP4 with faststart, or a tagged MP3) is stored and can be delivered.',
  schema: mediaReadyV1.extend({
    /**
     * Where objectKey lies: `media` for a file the transcoder made, `raw` for a download that
     * already played as it was fetched (served from the raw object itself, never copied).
     */
    bucket: mediaBucketSchema,
  }),
  previousVersions: [
    {
      version: 1,
      schema: mediaReadyV1,
      description: 'v1 had no bucket: the file always lay in the media bucket.',
      upcast: (data: z.infer<typeof mediaReadyV1>) => ({ ...data, bucket: 'media' as const }),
    },
  ],
});

export const DownloadDelivered = defineMessage({
  kind: 'event',
  type: 'download.delivered',
  version: 1,
  producer: 'notifier',
  description:
    'The user has the file in the chat: uploaded, re-sent by file_id, or as a link for files over the upload limit.',
  schema: z.object({
    ...requestRef,
    cacheKey: z.string().min(1).max(400),
    via: z.enum(['upload', 'file-id', 'link']),
    telegramFileId: z.string().nullable(),
    telegramMessageId: z.number().int().positive(),
  }),
});

export const FileIdRejected = defineMessage({
  kind: 'event',
  type: 'download.file-id-rejected',
  version: 1,
  producer: 'notifier',
  description:
    'Telegram refused a cached file_id: the cache entry is evicted and the media fetched again.',
  schema: z.object({
    ...requestRef,
    cacheKey: z.string().min(1).max(400),
    telegramFileId: z.string(),
  }),
});

export const DownloadLinkIssued = defineMessage({
  kind: 'event',
  type: 'download.link-issued',
  version: 1,
  producer: 'storage',
  description: 'The file is over the upload limit: the user gets a signed link that expires.',
  schema: z.object({
    ...requestRef,
    cacheKey: z.string().min(1).max(400),
    url: z.url(),
    expiresAt: z.iso.datetime({ offset: true }),
    sizeBytes: z.number().int().nonnegative(),
  }),
});

export const CancelRequested = defineMessage({
  kind: 'event',
  type: 'download.cancel-requested',
  version: 1,
  producer: 'gateway-bot',
  description: 'The user pressed Cancel on a request (or sent /cancel).',
  schema: z.object({
    ...requestRef,
    callbackQueryId: z.string().min(1).nullable(),
  }),
});

export const DownloadCancelled = defineMessage({
  kind: 'event',
  type: 'download.cancelled',
  version: 1,
  producer: 'storage',
  description:
    'A request was cancelled: it no longer waits for its fetch (which stops when nobody waits).',
  schema: z.object({
    ...requestRef,
    cacheKey: z.string().max(400).nullable(),
  }),
});

export const FetchAbandoned = defineMessage({
  kind: 'event',
  type: 'download.fetch-abandoned',
  version: 1,
  producer: 'storage',
  description:
    'Every request waiting on a fetch was cancelled: the downloader stops it and frees its slot.',
  schema: z.object({
    cacheKey: z.string().min(1).max(400),
  }),
});
