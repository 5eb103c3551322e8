import {
  CacheHit,
  cacheStream,
  CommandReceived,
  DownloadCancelled,
  DownloadFailed,
  DownloadLinkIssued,
  DownloadRequested,
  FetchProgressed,
  FetchQueued,
  FormatSelected,
  MediaProbed,
  MediaReady,
  requestStream,
  uuidv7,
  type CommandName,
  type DownloadErrorCode,
  type Envelope,
  type Language,
  type MediaBucket,
  type QualityOption,
} from '@mediabot/contracts';

const MB = 1024 * 1024;
const service = (id: string) => ({ kind: 'service' as const, id });

export const sampleOptions: QualityOption[] = [
  {
    quality: '1080p',
    kind: 'video',
    formatSelector: 'bv*[height<=1080]+ba',
    estimatedBytes: 96 * MB,
    height: 1080,
  },
  {
    quality: '720p',
    kind: 'video',
    formatSelector: 'bv*[height<=720]+ba',
    estimatedBytes: 34 * MB,
    height: 720,
  },
  {
    quality: 'audio-mp3',
    kind: 'audio',
    formatSelector: 'ba',
    estimatedBytes: 5 * MB,
    height: null,
  },
];

/** The events of one user's request along the download journey, as the other services append them. */
export function journey(options: {
  chatId: number;
  userMessageId: number;
  language?: Language;
  firstName?: string;
  cacheKey?: string;
  title?: string;
}) {
  const requestId = uuidv7();
  const cacheKey = options.cacheKey ?? `youtube:${requestId.slice(-6)}#720p`;
  const title = options.title ?? 'Big Buck Bunny';
  const ref = { requestId, chatId: options.chatId };
  const stream = requestStream(requestId);
  const option = sampleOptions[1] as QualityOption;
  const user = {
    telegramUserId: options.chatId,
    username: null,
    firstName: options.firstName ?? 'Ann',
    languageCode: options.language ?? 'en',
  };
  return {
    requestId,
    cacheKey,
    requested: () =>
      DownloadRequested.create(
        {
          ...ref,
          updateId: Math.floor(Math.random() * 1e9),
          messageId: options.userMessageId,
          user,
          url: 'https://www.youtube.com/watch?v=aqz-KE-bpKQ',
          preferredQuality: null,
        },
        { streamId: `update-${requestId}`, actor: { kind: 'user', id: String(options.chatId) } },
      ),
    probed: () =>
      MediaProbed.create(
        {
          ...ref,
          mediaKey: 'youtube:aqz-KE-bpKQ',
          title,
          uploader: 'Blender',
          durationSeconds: 635,
          webpageUrl: 'https://www.youtube.com/watch?v=aqz-KE-bpKQ',
          options: sampleOptions,
        },
        { streamId: stream, actor: service('downloader') },
      ),
    formatSelected: () =>
      FormatSelected.create(
        {
          ...ref,
          cacheKey,
          url: 'https://www.youtube.com/watch?v=aqz-KE-bpKQ',
          title,
          uploader: 'Blender',
          option,
        },
        { streamId: stream, actor: service('downloader') },
      ),
    fetchQueued: (startedFetch: boolean) =>
      FetchQueued.create(
        {
          ...ref,
          cacheKey,
          startedFetch,
          url: 'https://www.youtube.com/watch?v=aqz-KE-bpKQ',
          title,
          uploader: 'Blender',
          option,
        },
        { streamId: stream, actor: service('storage') },
      ),
    cacheHit: (
      telegramFileId: string | null,
      objectKey: string | null,
      bucket: MediaBucket = 'media',
    ) =>
      CacheHit.create(
        {
          ...ref,
          cacheKey,
          telegramFileId,
          objectKey,
          bucket: objectKey === null ? null : bucket,
          kind: 'video',
        },
        { streamId: stream, actor: service('storage') },
      ),
    failed: (code: DownloadErrorCode) =>
      DownloadFailed.create(
        {
          ...ref,
          stage: 'probe',
          error: { code, retryable: false, detail: 'ERROR: [youtube] trace…' },
        },
        { streamId: stream, actor: service('downloader') },
      ),
    cancelled: () =>
      DownloadCancelled.create(
        { ...ref, cacheKey: null },
        { streamId: stream, actor: service('storage') },
      ),
    linkIssued: (url: string, sizeBytes: number) =>
      DownloadLinkIssued.create(
        {
          ...ref,
          cacheKey,
          url,
          expiresAt: new Date(Date.now() + 24 * 3600_000).toISOString(),
          sizeBytes,
        },
        { streamId: stream, actor: service('storage') },
      ),
  };
}

export function progressed(cacheKey: string, percent: number): Envelope {
  return FetchProgressed.create(
    {
      cacheKey,
      stage: 'downloading',
      percent,
      downloadedBytes: Math.round((27 * MB * percent) / 100),
      totalBytes: 27 * MB,
      speedBytesPerSecond: 2.1 * MB,
      etaSeconds: 7,
    },
    { streamId: cacheStream(cacheKey), actor: service('downloader') },
  );
}

export function mediaReady(
  cacheKey: string,
  media: {
    objectKey: string;
    /** Default: media. */
    bucket?: MediaBucket;
    sizeBytes: number;
    thumbnailObjectKey?: string | null;
    kind?: 'video' | 'audio';
  },
): Envelope {
  const audio = media.kind === 'audio';
  return MediaReady.create(
    {
      cacheKey,
      objectKey: media.objectKey,
      bucket: media.bucket ?? 'media',
      thumbnailObjectKey: media.thumbnailObjectKey ?? null,
      kind: audio ? 'audio' : 'video',
      mimeType: audio ? 'audio/mpeg' : 'video/mp4',
      fileName: audio ? 'big-buck-bunny.mp3' : 'big-buck-bunny-720p.mp4',
      sizeBytes: media.sizeBytes,
      width: audio ? null : 1280,
      height: audio ? null : 720,
      durationSeconds: 634.6,
      title: 'Big Buck Bunny',
      performer: 'Blender',
    },
    { streamId: cacheStream(cacheKey), actor: service('transcoder') },
  );
}

export function command(
  chatId: number,
  messageId: number,
  name: CommandName,
  options: { args?: string; language?: Language; firstName?: string } = {},
): Envelope {
  return CommandReceived.create(
    {
      updateId: Math.floor(Math.random() * 1e9),
      chatId,
      messageId,
      user: {
        telegramUserId: chatId,
        username: null,
        firstName: options.firstName ?? 'Ann',
        languageCode: options.language ?? 'en',
      },
      command: name,
      args: options.args ?? '',
    },
    { streamId: `update-${uuidv7()}`, actor: { kind: 'user', id: String(chatId) } },
  );
}
