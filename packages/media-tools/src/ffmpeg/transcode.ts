import { rm, stat } from 'node:fs/promises';
import { MediaError } from '../errors/media-error.ts';
import type { MediaProbe, VideoStreamInfo } from './ffprobe.ts';
import { planTranscode, type TranscodePlan } from './plan-transcode.ts';
import { assertAbsolute, type FfmpegRunOptions, runFfmpeg } from './run-ffmpeg.ts';

export type X264Preset =
  'ultrafast' | 'superfast' | 'veryfast' | 'faster' | 'fast' | 'medium' | 'slow';

export interface EncodeSettings {
  /** x264 speed/size trade-off (default veryfast); tests use ultrafast. */
  preset?: X264Preset | undefined;
}

export interface TranscodeRequest extends FfmpegRunOptions, EncodeSettings {
  input: string;
  /** Where the MP4 goes. Not written for pass-through: the input is already right. */
  output: string;
  probe: MediaProbe;
  /** Defaults to planTranscode(probe, { maxHeight }). */
  plan?: TranscodePlan | undefined;
  maxHeight?: number | undefined;
  /** x264 constant quality (default 23). */
  crf?: number | undefined;
}

export interface TranscodeResult {
  /** The playable MP4: `output`, or `input` for pass-through. */
  path: string;
  plan: TranscodePlan;
}

/** A scale filter that keeps the aspect ratio, caps the short side and makes both sides even. */
export function scaleFilter(video: VideoStreamInfo, maxShortSide?: number): string {
  const shortSide = Math.min(video.width, video.height);
  if (maxShortSide !== undefined && shortSide > maxShortSide) {
    return video.width >= video.height ? `scale=-2:${maxShortSide}` : `scale=${maxShortSide}:-2`;
  }
  return 'scale=trunc(iw/2)*2:trunc(ih/2)*2';
}

function streamMaps(probe: MediaProbe): string[] {
  return [
    ...(probe.video === null ? [] : ['-map', `0:${probe.video.index}`]),
    ...(probe.audio === null ? [] : ['-map', `0:${probe.audio.index}`]),
  ];
}

/** Makes a Telegram-playable MP4 (H.264 yuv420p + AAC, faststart), doing as little as it can. */
export async function transcode(request: TranscodeRequest): Promise<TranscodeResult> {
  assertAbsolute(request.input, request.output);
  const { probe } = request;
  const plan = request.plan ?? planTranscode(probe, { maxHeight: request.maxHeight });
  if (plan.action === 'pass-through') return { path: request.input, plan };

  const videoArgs =
    plan.video === 'encode' && probe.video !== null
      ? [
          '-c:v',
          'libx264',
          '-preset',
          request.preset ?? 'veryfast',
          '-crf',
          String(request.crf ?? 23),
          '-pix_fmt',
          'yuv420p',
          '-vf',
          scaleFilter(probe.video, request.maxHeight),
        ]
      : ['-c:v', 'copy'];
  const audioArgs =
    plan.audio === 'none'
      ? ['-an']
      : plan.audio === 'encode'
        ? ['-c:a', 'aac', '-b:a', '128k', '-ac', '2']
        : ['-c:a', 'copy'];
  await runFfmpeg(
    ['-i', request.input],
    [...streamMaps(probe), ...videoArgs, ...audioArgs, '-sn', '-dn', '-movflags', '+faststart'],
    request.output,
    probe.durationSeconds,
    request,
  );
  return { path: request.output, plan };
}

export interface CompressRequest extends FfmpegRunOptions, EncodeSettings {
  input: string;
  output: string;
  probe: MediaProbe;
  maxBytes: number;
}

export interface CompressResult {
  path: string;
  sizeBytes: number;
  videoKbps: number;
}

const audioKbpsWhenCompressing = 96;
const lowBudgetAudioKbps = 48;
const lowestWatchableVideoKbps = 100;
/** Share of the budget left for the container and for the encoder's overshoot. */
const budgetMargin = 0.95;

/** The bitrate (and short side) that should make `probe` fit in `maxBytes`. Pure. */
export function compressionTarget(
  probe: MediaProbe,
  maxBytes: number,
): { videoKbps: number; audioKbps: number; maxShortSide: number } {
  if (probe.durationSeconds == null || probe.durationSeconds <= 0 || probe.video === null) {
    throw new MediaError('invalid_media', {
      message: 'This media cannot be compressed.',
      details: { reason: probe.video === null ? 'no_video_stream' : 'unknown_duration' },
    });
  }
  const totalKbps = (maxBytes * 8 * budgetMargin) / probe.durationSeconds / 1000;
  // On a tight budget, speech-grade audio leaves the picture more room.
  const audioKbps =
    probe.audio === null ? 0 : totalKbps >= 800 ? audioKbpsWhenCompressing : lowBudgetAudioKbps;
  const videoKbps = Math.floor(totalKbps - audioKbps);
  if (videoKbps < lowestWatchableVideoKbps) {
    throw new MediaError('too_large', {
      message: 'This media is too long to fit the size limit.',
      details: { maxBytes, durationSeconds: probe.durationSeconds },
    });
  }
  const maxShortSide =
    videoKbps >= 2500 ? 1080 : videoKbps >= 1200 ? 720 : videoKbps >= 600 ? 480 : 360;
  return { videoKbps, audioKbps, maxShortSide };
}

/**
 * Re-encodes to a target bitrate so the file fits `maxBytes` (one pass; a second, leaner
 * attempt when x264 overshoots). For files somewhat over the limit, not for ten times over.
 */
export async function compressToFit(request: CompressRequest): Promise<CompressResult> {
  assertAbsolute(request.input, request.output);
  const { probe } = request;
  const target = compressionTarget(probe, request.maxBytes);
  let videoKbps = target.videoKbps;
  for (let attempt = 1; attempt <= 2; attempt += 1) {
    const video = probe.video;
    if (video === null) break;
    await runFfmpeg(
      ['-i', request.input],
      [
        ...streamMaps(probe),
        '-c:v',
        'libx264',
        '-preset',
        request.preset ?? 'veryfast',
        '-b:v',
        `${videoKbps}k`,
        '-maxrate',
        `${videoKbps}k`,
        '-bufsize',
        `${videoKbps * 2}k`,
        '-pix_fmt',
        'yuv420p',
        '-vf',
        scaleFilter(video, target.maxShortSide),
        ...(probe.audio === null
          ? ['-an']
          : ['-c:a', 'aac', '-b:a', `${target.audioKbps}k`, '-ac', '2']),
        '-sn',
        '-dn',
        '-movflags',
        '+faststart',
      ],
      request.output,
      probe.durationSeconds,
      request,
    );
    const { size } = await stat(request.output);
    if (size <= request.maxBytes) return { path: request.output, sizeBytes: size, videoKbps };
    videoKbps = Math.floor(videoKbps * (request.maxBytes / size) * 0.9);
    if (videoKbps < lowestWatchableVideoKbps) break;
  }
  await rm(request.output, { force: true });
  throw new MediaError('too_large', {
    message: 'This media could not be compressed under the size limit.',
    details: { maxBytes: request.maxBytes },
  });
}
