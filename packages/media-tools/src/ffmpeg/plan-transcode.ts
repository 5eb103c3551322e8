import { MediaError } from '../errors/media-error.ts';
import type { MediaProbe } from './ffprobe.ts';

export type StreamHandling = 'copy' | 'encode' | 'none';

export interface TranscodePlan {
  /**
   * pass-through: the file is already a Telegram-playable MP4; send it as it is.
   * remux: the streams are fine but the container (or its layout) is not; copy into MP4.
   * transcode: at least one stream must be re-encoded (H.264 / AAC).
   */
  action: 'pass-through' | 'remux' | 'transcode';
  video: StreamHandling;
  audio: StreamHandling;
  /** Why, in short words, for logs. */
  reasons: string[];
}

export interface PlanOptions {
  /** Videos taller than this are scaled down (and so re-encoded). */
  maxHeight?: number | undefined;
}

const playablePixelFormats = new Set(['yuv420p', 'yuvj420p']);
const unplayableProfiles = /high 10|4:2:2|4:4:4/i;

/** Decides the least work that yields an MP4 every Telegram client plays inline. */
export function planTranscode(probe: MediaProbe, options: PlanOptions = {}): TranscodePlan {
  const { video, audio } = probe;
  if (video === null) {
    throw new MediaError('invalid_media', {
      message: 'This media has no video.',
      details: { reason: 'no_video_stream' },
    });
  }
  const reasons: string[] = [];
  let videoHandling: StreamHandling = 'copy';
  if (video.codec !== 'h264') reasons.push(`video codec ${video.codec}`);
  if (video.pixelFormat !== null && !playablePixelFormats.has(video.pixelFormat)) {
    reasons.push(`pixel format ${video.pixelFormat}`);
  }
  if (video.profile !== null && unplayableProfiles.test(video.profile)) {
    reasons.push(`profile ${video.profile}`);
  }
  if (video.width % 2 !== 0 || video.height % 2 !== 0) reasons.push('odd dimensions');
  if (options.maxHeight !== undefined && Math.min(video.width, video.height) > options.maxHeight) {
    reasons.push(`taller than ${options.maxHeight}p`);
  }
  if (reasons.length > 0) videoHandling = 'encode';

  let audioHandling: StreamHandling = 'none';
  if (audio !== null) {
    audioHandling = audio.codec === 'aac' ? 'copy' : 'encode';
    if (audioHandling === 'encode') reasons.push(`audio codec ${audio.codec}`);
  }

  if (videoHandling === 'encode' || audioHandling === 'encode') {
    return { action: 'transcode', video: videoHandling, audio: audioHandling, reasons };
  }
  if (probe.container !== 'mp4') {
    return {
      action: 'remux',
      video: 'copy',
      audio: audioHandling,
      reasons: [`container ${probe.container}`],
    };
  }
  if (probe.fastStart !== true) {
    return { action: 'remux', video: 'copy', audio: audioHandling, reasons: ['moov after mdat'] };
  }
  return { action: 'pass-through', video: 'copy', audio: audioHandling, reasons: [] };
}
