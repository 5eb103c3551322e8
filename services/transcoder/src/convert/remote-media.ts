import { stat } from 'node:fs/promises';
import {
  isFastStart,
  parseFfprobeOutput,
  runProcess,
  thumbnailLimits,
  thumbnailOutputArgs,
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

/** The top-level MP4 box types in file order, read by 16-byte range requests. */
export async function readRemoteTopLevelBoxes(
  url: string,
  signal: AbortSignal,
  maxBoxes = 16,
): Promise<string[]> {
  const types: string[] = [];
  let offset = 0;
  let fileSize = Number.POSITIVE_INFINITY;
  while (offset + 8 <= fileSize && types.length < maxBoxes) {
    const { bytes, totalBytes } = await readRange(url, offset, 16, signal);
    if (totalBytes !== null) fileSize = totalBytes;
    if (bytes.length < 8) break;
    let boxSize = bytes.readUInt32BE(0);
    const type = bytes.toString('latin1', 4, 8);
    if (boxSize === 1) {
      if (bytes.length < 16) break;
      boxSize = Number(bytes.readBigUInt64BE(8));
    } else if (boxSize === 0) {
      boxSize = fileSize - offset;
    }
    if (boxSize < 8 || !Number.isFinite(boxSize) || !/^[\x20-\x7e]{4}$/.test(type)) break;
    types.push(type);
    // The rest of the file is media data: nothing after it changes the answer.
    if (type === 'mdat' || type === 'moof') break;
    offset += boxSize;
  }
  return types;
}

/**
 * ffprobe of a fast-start MP4 behind a link; null when the object is not one (the caller then
 * downloads it and probes it locally, which also gives the precise error).
 */
export async function probeRemoteFastStartMp4(
  url: string,
  options: RemoteReadOptions,
): Promise<MediaProbe | null> {
  const deadline = AbortSignal.any([options.signal, AbortSignal.timeout(options.timeoutMs)]);
  if (!isFastStart(await readRemoteTopLevelBoxes(url, deadline))) return null;
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
export async function remoteThumbnail(
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
