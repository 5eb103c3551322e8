import {
  DownloadRequested,
  FetchQueued,
  QualityChosen,
  requestStream,
  uuidv7,
  type ChoosableQuality,
  type Envelope,
  type QualityOption,
  type RecordedEnvelope,
} from '@mediabot/contracts';
import type { MediaInfo } from '@mediabot/media-tools';

/** Messages as other services would send them, for tests. */

const gateway = { kind: 'service', id: 'gateway-bot' } as const;
const storageActor = { kind: 'service', id: 'storage' } as const;

export function downloadRequested(
  overrides: { url?: string; preferredQuality?: ChoosableQuality | null; requestId?: string } = {},
) {
  const requestId = overrides.requestId ?? uuidv7();
  return DownloadRequested.create(
    {
      requestId,
      chatId: 4242,
      updateId: 17,
      messageId: 5,
      user: { telegramUserId: 4242, username: 'tester', firstName: 'Test', languageCode: 'en' },
      url: overrides.url ?? 'https://media.example.org/watch/clip.mp4',
      preferredQuality: overrides.preferredQuality ?? null,
    },
    { streamId: requestStream(requestId), actor: gateway },
  );
}

export function qualityChosen(requestId: string, quality: ChoosableQuality) {
  return QualityChosen.create(
    { requestId, chatId: 4242, quality, callbackQueryId: 'cbq-1' },
    { streamId: requestStream(requestId), actor: gateway },
  );
}

export function fetchQueued(input: {
  cacheKey: string;
  url: string;
  option: QualityOption;
  title?: string;
  requestId?: string;
  startedFetch?: boolean;
  occurredAt?: Date;
}) {
  const requestId = input.requestId ?? uuidv7();
  return FetchQueued.create(
    {
      requestId,
      chatId: 4242,
      cacheKey: input.cacheKey,
      startedFetch: input.startedFetch ?? true,
      url: input.url,
      title: input.title ?? 'Sample clip',
      uploader: 'Sample uploader',
      option: input.option,
    },
    {
      streamId: requestStream(requestId),
      actor: storageActor,
      ...(input.occurredAt === undefined ? {} : { occurredAt: input.occurredAt }),
    },
  );
}

/** Envelopes as the store would give them back, numbered in order. */
export function recorded(events: readonly Envelope[], firstVersion = 1n): RecordedEnvelope[] {
  return events.map((event, index) => ({
    ...event,
    globalPosition: firstVersion + BigInt(index),
    transactionId: 1n,
    streamVersion: firstVersion + BigInt(index),
  }));
}

export function mediaInfo(overrides: Partial<MediaInfo> = {}): MediaInfo {
  return {
    mediaKey: 'Generic:clip:0123456789abcdef',
    id: 'clip',
    extractor: 'generic',
    extractorKey: 'Generic',
    title: 'Sample clip',
    durationSeconds: 5,
    uploader: null,
    webpageUrl: 'https://media.example.org/watch/clip.mp4',
    thumbnailUrl: null,
    qualities: [
      { quality: '720p', formatSelector: 'hd/b', height: 720, estimatedBytes: 500_000 },
      { quality: '360p', formatSelector: 'sd/b', height: 360, estimatedBytes: 250_000 },
      { quality: 'audio-mp3', formatSelector: 'sd/ba/b', height: null, estimatedBytes: 250_000 },
    ],
    ...overrides,
  };
}
