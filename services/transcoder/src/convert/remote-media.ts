import { stat } from 'node:fs/promises';
import {
  isFastStart,
  parseFfprobeOutput,
  runProcess,
  thumbnailLimits,
  thumbnailOutputArgs,
  thumbnailTimeSeconds,
  type MediaProbe,
} from '@mediabot/media-tools';

/**
 * Reading a raw object where it lies (a presigned GET link on the internal endpoint) instead of
 * downloading it: an MP4 that needs no work is only probed (its header and index, by range
 * requests) and one frame is read for the thumbnail.
 *
 * Only the MP4 demuxer is ever used on the link, so a raw file that is a playlist (HLS, concat)
 * cannot make ffmpeg fetch other URLs; anything else goes the local way.
 */

export interface RemoteReadOptions {
  ffprobePath: string;
  ffmpegPath: string;
  timeoutMs: number;
  signal: AbortSignal;
}

const remoteInputArgs = (url: string) => [
  '-protocol_whitelist',
  'http,https,tcp,tls',
  '-f',
  'mp4',
  '-i',
  url,
];

async function readRange(
  url: string,
  offset: number,
  length: number,
  signal: AbortSignal,
): Promise<{ bytes: Buffer; totalBytes: number | null }> {
  const response = await fetch(url, {
    headers: { range: `bytes=${offset}-${offset + length - 1}` },
    signal,
  });
  if (response.status !== 206 && response.status !== 200) {
    await response.body?.cancel();
    throw new Error(`Range read answered ${response.status}`);
  }
  if (response.status === 200) {
    // A server that ignores ranges would send the whole body: not what we came for.
    await response.body?.cancel();
    throw new Error('Range requests are not honoured');
  }
  const total = /\/(\d+)$/.exec(response.headers.get('content-range') ?? '')?.[1];
  return {
    bytes: Buffer.from(await response.arrayBuffer()),
    totalBytes: total === undefined ? null : Number(total),
  };
}

export interface RemoteMp4Layout {
  /** The top-level box types in file order. */
  boxes: string[];
  /** The movie's duration from its header (`mvhd`), when the header leads the movie box. */
  durationSeconds: number | null;
}

// Enough for a box header and, in a movie box, its first child's header and the movie header.
const headerReadBytes = 128;

/** Duration from an `mvhd` box (version 0 or 1) found at `offset` in `bytes`, else null. */
export function movieHeaderDuration(bytes: Buffer, offset: number): number | null {
  if (bytes.length < offset + 12 || bytes.toString('latin1', offset + 4, offset + 8) !== 'mvhd') {
    return null;
  }
  const version = bytes.readUInt8(offset + 8);
  const fields = offset + 12;
  const [timescale, duration] =
    version === 1
      ? bytes.length >= fields + 28
        ? [bytes.readUInt32BE(fields + 16), Number(bytes.readBigUInt64BE(fields + 20))]
        : [0, 0]
      : bytes.length >= fields + 16
        ? [bytes.readUInt32BE(fields + 8), bytes.readUInt32BE(fields + 12)]
        : [0, 0];
  return timescale > 0 && duration > 0 ? duration / timescale : null;
}

/**
 * The top-level MP4 box types in file order, and the movie's duration, read by small range
 * requests (one per top-level box, up to the media data).
 */
export async function readRemoteMp4Layout(
  url: string,
  signal: AbortSignal,
  maxBoxes = 16,
): Promise<RemoteMp4Layout> {
  const boxes: string[] = [];
  let durationSeconds: number | null = null;
  let offset = 0;
  let fileSize = Number.POSITIVE_INFINITY;
  while (offset + 8 <= fileSize && boxes.length < maxBoxes) {
    const { bytes, totalBytes } = await readRange(url, offset, headerReadBytes, signal);
    if (totalBytes !== null) fileSize = totalBytes;
    if (bytes.length < 8) break;
    let boxSize = bytes.readUInt32BE(0);
    const type = bytes.toString('latin1', 4, 8);
    let headerSize = 8;
    if (boxSize === 1) {
      if (bytes.length < 16) break;
      boxSize = Number(bytes.readBigUInt64BE(8));
      headerSize = 16;
    } else if (boxSize === 0) {
      boxSize = fileSize - offset;
    }
    if (boxSize < 8 || !Number.isFinite(boxSize) || !/^[\x20-\x7e]{4}$/.test(type)) break;
    boxes.push(type);
    if (type === 'moov') durationSeconds ??= movieHeaderDuration(bytes, headerSize);
    // The rest of the file is media data: nothing after it changes the answer.
    if (type === 'mdat' || type === 'moof') break;
    offset += boxSize;
  }
  return { boxes, durationSeconds };
}

export interface RemoteMp4 {
  /** ffprobe's answer for the fast-start MP4 behind the link. */
  probe: MediaProbe;
  /** Its thumbnail, or null when none could be made (a video without one still plays). */
  thumbnailPath: string | null;
}

/**
 * A fast-start MP4 behind a link that `passesThrough` accepts as it is, probed where it lies,
 * with its thumbnail; null for any other object (the caller then downloads it and works on it
 * locally, which also gives the precise error). When the movie header gives the duration, the
 * thumbnail frame is read while ffprobe runs, and dropped if the file does not pass through.
 */
export async function inspectRemoteMp4(
  url: string,
  thumbnailOutput: string,
  options: RemoteReadOptions & { passesThrough: (probe: MediaProbe) => boolean },
): Promise<RemoteMp4 | null> {
  const deadline = AbortSignal.any([options.signal, AbortSignal.timeout(options.timeoutMs)]);
  const bounded = { ...options, signal: deadline };
  const layout = await readRemoteMp4Layout(url, deadline);
  if (!isFastStart(layout.boxes)) return null;
  const earlyStop = new AbortController();
  const early =
    layout.durationSeconds === null
      ? null
      : remoteThumbnail(url, thumbnailOutput, thumbnailTimeSeconds(layout.durationSeconds), {
          ...bounded,
          signal: AbortSignal.any([deadline, earlyStop.signal]),
        });
  let probe: MediaProbe | null = null;
  try {
    probe = await probeRemoteFastStartMp4(url, bounded);
  } finally {
    // The frame is wanted only for a pass-through: otherwise stop it, and never leave it behind.
    if (probe === null || !options.passesThrough(probe)) earlyStop.abort();
    await early?.catch(() => null);
  }
  if (probe === null || !options.passesThrough(probe)) return null;
  const thumbnailPath = await (early ??
    remoteThumbnail(url, thumbnailOutput, thumbnailTimeSeconds(probe.durationSeconds), bounded));
  return { probe, thumbnailPath };
}

/** ffprobe of an MP4 behind a link (only the MP4 demuxer); null when it cannot be read. */
async function probeRemoteFastStartMp4(
  url: string,
  options: RemoteReadOptions,
): Promise<MediaProbe | null> {
  const outcome = await runProcess({
    command: options.ffprobePath,
    args: [
      '-v',
      'error',
      '-print_format',
      'json',
      '-show_format',
      '-show_streams',
      ...remoteInputArgs(url),
    ],
    timeoutMs: options.timeoutMs,
    signal: options.signal,
    collectStdout: true,
  }).done;
  if (outcome.exitCode !== 0) return null;
  const probe = parseFfprobeOutput(outcome.stdout);
  if (probe.video === null && probe.audio === null) return null;
  return { ...probe, fastStart: true };
}

/**
 * A JPEG frame within Telegram's thumbnail limits, read from the link (ffmpeg seeks by range
 * requests); null when none could be made (a video without a thumbnail still plays).
 */
async function remoteThumbnail(
  url: string,
  output: string,
  atSeconds: number,
  options: RemoteReadOptions,
): Promise<string | null> {
  const outcome = await runProcess({
    command: options.ffmpegPath,
    args: [
      '-nostdin',
      '-hide_banner',
      '-loglevel',
      'error',
      '-y',
      '-ss',
      atSeconds.toFixed(3),
      ...remoteInputArgs(url),
      ...thumbnailOutputArgs(4),
      output,
    ],
    timeoutMs: options.timeoutMs,
    signal: options.signal,
  }).done;
  if (outcome.exitCode !== 0) return null;
  const { size } = await stat(output).catch(() => ({ size: 0 }));
  return size > 0 && size <= thumbnailLimits.maxBytes ? output : null;
}
