import { cacheStream, MediaFetched, uuidv7, type QualityOption } from '@mediabot/contracts';
import type { MediaProbe } from '@mediabot/media-tools';

/** Messages and probes as other parts would produce them, for tests. */

export const videoOption: QualityOption = {
  quality: '360p',
  kind: 'video',
  formatSelector: 'b',
  estimatedBytes: null,
  height: 360,
};
export const audioOption: QualityOption = {
  quality: 'audio-mp3',
  kind: 'audio',
  formatSelector: 'ba/b',
  estimatedBytes: null,
  height: null,
};

export function mediaFetched(input: {
  cacheKey?: string;
  objectKey?: string;
  sizeBytes?: number;
  fileName?: string;
  option?: QualityOption;
  title?: string;
  uploader?: string | null;
}) {
  const cacheKey =
    input.cacheKey ?? `Generic:clip:${uuidv7()}#${(input.option ?? videoOption).quality}`;
  return MediaFetched.create(
    {
      cacheKey,
      objectKey: input.objectKey ?? 'raw/media.mp4',
      sizeBytes: input.sizeBytes ?? 1000,
      fileName: input.fileName ?? 'media.mp4',
      title: input.title ?? 'Sample clip',
      uploader: input.uploader === undefined ? 'Sample uploader' : input.uploader,
      option: input.option ?? videoOption,
    },
    { streamId: cacheStream(cacheKey), actor: { kind: 'service', id: 'downloader' } },
  );
}

export function probeOf(overrides: Partial<MediaProbe> = {}): MediaProbe {
  return {
    formatNames: ['mov', 'mp4'],
    container: 'mp4',
    durationSeconds: 5.02,
    sizeBytes: 280_000,
    bitRate: 450_000,
    video: {
      index: 0,
      codec: 'h264',
      profile: 'High',
      width: 640,
      height: 360,
      pixelFormat: 'yuv420p',
      frameRate: 25,
      bitRate: 400_000,
    },
    audio: { index: 1, codec: 'aac', channels: 1, sampleRate: 44_100, bitRate: 64_000 },
    hasCoverArt: false,
    fastStart: true,
    tags: {},
    ...overrides,
  };
}
