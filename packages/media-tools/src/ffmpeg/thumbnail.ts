import { rm, stat } from 'node:fs/promises';
import { MediaError } from '../errors/media-error.ts';
import { assertAbsolute, type FfmpegRunOptions, runFfmpeg } from './run-ffmpeg.ts';

/** Telegram's limits for a thumbnail: JPEG, at most 320 px a side, under 200 kB. */
export const thumbnailLimits = { maxSide: 320, maxBytes: 200 * 1024 } as const;

export interface ThumbnailRequest extends FfmpegRunOptions {
  input: string;
  /** The JPEG to write. */
  output: string;
  /** Picks a frame a tenth of the way in (at most 10 s) when known, else the first frame. */
  durationSeconds?: number | null | undefined;
}

/** ffmpeg output options that write one JPEG frame within Telegram's thumbnail size. */
export function thumbnailOutputArgs(quality: number): string[] {
  const side = thumbnailLimits.maxSide;
  return [
    '-map',
    '0:v:0',
    '-frames:v',
    '1',
    '-vf',
    `scale='min(${side},iw)':'min(${side},ih)':force_original_aspect_ratio=decrease`,
    '-q:v',
    String(quality),
    '-f',
    'image2',
    '-update',
    '1',
  ];
}

export function thumbnailTimeSeconds(durationSeconds: number | null | undefined): number {
  if (durationSeconds == null || durationSeconds <= 0) return 0;
  return Math.min(durationSeconds * 0.1, 10);
}

/** A JPEG frame that fits Telegram's thumbnail limits. */
export async function makeThumbnail(
  request: ThumbnailRequest,
): Promise<{ path: string; sizeBytes: number }> {
  assertAbsolute(request.input, request.output);
  // Coarser quantisers until it fits: 320 px frames almost always fit at the first.
  for (const quality of [4, 10, 20, 31]) {
    await runFfmpeg(
      ['-ss', thumbnailTimeSeconds(request.durationSeconds).toFixed(3), '-i', request.input],
      thumbnailOutputArgs(quality),
      request.output,
      null,
      request,
    );
    const { size } = await stat(request.output);
    if (size === 0) break;
    if (size <= thumbnailLimits.maxBytes) return { path: request.output, sizeBytes: size };
  }
  await rm(request.output, { force: true });
  throw new MediaError('invalid_media', {
    message: 'No thumbnail could be made from this media.',
    details: { reason: 'thumbnail' },
  });
}
