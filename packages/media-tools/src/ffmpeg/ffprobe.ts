import { z } from 'zod';
import { MediaError, summariseStderr } from '../errors/media-error.ts';
import { runProcess } from '../process/run-process.ts';
import { isFastStart, readTopLevelBoxes } from './mp4-boxes.ts';
import { assertAbsolute, failureOfTool } from './run-ffmpeg.ts';

// ffprobe prints most numbers as strings ("5.000000"); both shapes are accepted.
const numeric = z
  .union([z.number(), z.string()])
  .transform((value) => Number(value))
  .pipe(z.number())
  .nullish()
  .catch(null);

const ffprobeStreamSchema = z.object({
  index: z.number(),
  codec_type: z.string().nullish(),
  codec_name: z.string().nullish(),
  profile: z.string().nullish(),
  width: z.number().nullish(),
  height: z.number().nullish(),
  pix_fmt: z.string().nullish(),
  avg_frame_rate: z.string().nullish(),
  r_frame_rate: z.string().nullish(),
  bit_rate: numeric,
  duration: numeric,
  channels: z.number().nullish(),
  sample_rate: numeric,
  disposition: z.object({ attached_pic: z.number().nullish() }).partial().nullish(),
});

export const ffprobeOutputSchema = z.object({
  streams: z.array(ffprobeStreamSchema).default([]),
  format: z
    .object({
      format_name: z.string().nullish(),
      duration: numeric,
      size: numeric,
      bit_rate: numeric,
      tags: z.record(z.string(), z.string()).nullish(),
    })
    .nullish(),
});
export type FfprobeOutput = z.infer<typeof ffprobeOutputSchema>;

export interface VideoStreamInfo {
  index: number;
  codec: string;
  profile: string | null;
  width: number;
  height: number;
  pixelFormat: string | null;
  frameRate: number | null;
  bitRate: number | null;
}

export interface AudioStreamInfo {
  index: number;
  codec: string;
  channels: number | null;
  sampleRate: number | null;
  bitRate: number | null;
}

export interface MediaProbe {
  /** ffprobe's demuxer names, e.g. ["mov","mp4","m4a","3gp","3g2","mj2"]. */
  formatNames: string[];
  /** `mp4` for ISO MP4 (not QuickTime), else the first demuxer name. */
  container: string;
  durationSeconds: number | null;
  sizeBytes: number | null;
  bitRate: number | null;
  /** The main video stream; cover art (attached pictures) is not video. */
  video: VideoStreamInfo | null;
  audio: AudioStreamInfo | null;
  hasCoverArt: boolean;
  /** Container tags (title, artist, major_brand, …) with lower-case keys. */
  tags: Record<string, string>;
  /** MP4/MOV only: whether the movie header precedes the media data. Null otherwise. */
  fastStart: boolean | null;
}

function parseFrameRate(rate: string | null | undefined): number | null {
  if (!rate) return null;
  const [numerator, denominator] = rate.split('/').map(Number);
  if (numerator === undefined || !Number.isFinite(numerator) || numerator <= 0) return null;
  if (denominator === undefined) return numerator;
  return denominator > 0 ? numerator / denominator : null;
}

export function toMediaProbe(output: FfprobeOutput): MediaProbe {
  const formatNames = (output.format?.format_name ?? '').split(',').filter(Boolean);
  const majorBrand = output.format?.tags?.major_brand?.trim();
  const isIsoMp4 = formatNames.includes('mp4') && majorBrand !== 'qt';
  const videoStream = output.streams.find(
    (s) =>
      s.codec_type === 'video' &&
      s.disposition?.attached_pic !== 1 &&
      s.width != null &&
      s.height != null,
  );
  const audioStream = output.streams.find((s) => s.codec_type === 'audio');
  const streamDurations = output.streams.flatMap((s) => (s.duration == null ? [] : [s.duration]));
  const durationSeconds =
    output.format?.duration ?? (streamDurations.length > 0 ? Math.max(...streamDurations) : null);
  return {
    formatNames,
    container: isIsoMp4 ? 'mp4' : (formatNames[0] ?? 'unknown'),
    durationSeconds,
    sizeBytes: output.format?.size ?? null,
    bitRate: output.format?.bit_rate ?? null,
    video:
      videoStream === undefined
        ? null
        : {
            index: videoStream.index,
            codec: videoStream.codec_name ?? 'unknown',
            profile: videoStream.profile ?? null,
            width: videoStream.width ?? 0,
            height: videoStream.height ?? 0,
            pixelFormat: videoStream.pix_fmt ?? null,
            frameRate: parseFrameRate(videoStream.avg_frame_rate ?? videoStream.r_frame_rate),
            bitRate: videoStream.bit_rate ?? null,
          },
    audio:
      audioStream === undefined
        ? null
        : {
            index: audioStream.index,
            codec: audioStream.codec_name ?? 'unknown',
            channels: audioStream.channels ?? null,
            sampleRate: audioStream.sample_rate ?? null,
            bitRate: audioStream.bit_rate ?? null,
          },
    hasCoverArt: output.streams.some(
      (s) => s.codec_type === 'video' && s.disposition?.attached_pic === 1,
    ),
    tags: Object.fromEntries(
      Object.entries(output.format?.tags ?? {}).map(([key, value]) => [key.toLowerCase(), value]),
    ),
    fastStart: null,
  };
}

/** Parses `ffprobe -print_format json -show_format -show_streams` output. */
export function parseFfprobeOutput(stdout: string): MediaProbe {
  let json: unknown;
  try {
    json = JSON.parse(stdout);
  } catch (error) {
    throw new MediaError('invalid_media', { cause: error, details: { reason: 'invalid_json' } });
  }
  const parsed = ffprobeOutputSchema.safeParse(json);
  if (!parsed.success) {
    throw new MediaError('invalid_media', {
      details: { reason: 'unexpected_shape', issues: parsed.error.issues.slice(0, 5) },
    });
  }
  return toMediaProbe(parsed.data);
}

export interface ProbeFileOptions {
  ffprobePath?: string | undefined;
  timeoutMs?: number | undefined;
  signal?: AbortSignal | undefined;
  /** Scheduling niceness of ffprobe (default 10, see runProcess). */
  niceness?: number | undefined;
}

/** Describes a local media file. Throws MediaError (`invalid_media` when it is not media). */
export async function probeFile(path: string, options: ProbeFileOptions = {}): Promise<MediaProbe> {
  assertAbsolute(path);
  const run = runProcess({
    command: options.ffprobePath ?? 'ffprobe',
    args: ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', path],
    timeoutMs: options.timeoutMs ?? 30_000,
    signal: options.signal,
    collectStdout: true,
    niceness: options.niceness,
  });
  const outcome = await run.done;
  const failure = failureOfTool(outcome, 'ffprobe');
  if (failure !== undefined) throw failure;
  const probe = parseFfprobeOutput(outcome.stdout);
  if (probe.video === null && probe.audio === null) {
    throw new MediaError('invalid_media', {
      details: { reason: 'no_streams', stderr: summariseStderr(outcome.stderrTail) },
    });
  }
  if (probe.formatNames.includes('mp4')) {
    return { ...probe, fastStart: isFastStart(await readTopLevelBoxes(path)) };
  }
  return probe;
}
