import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureSampleMedia, type SampleMedia } from '@mediabot/sample-media';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MediaError } from '../errors/media-error.ts';
import { liveProcessesMentioning } from '../testing/processes.ts';
import { extractAudioMp3 } from './audio.ts';
import type { TranscodeProgress } from './ffmpeg-progress.ts';
import { probeFile } from './ffprobe.ts';
import { makeThumbnail, thumbnailLimits } from './thumbnail.ts';
import { compressToFit, transcode } from './transcode.ts';

let samples: SampleMedia;
let work: string;

beforeAll(async () => {
  samples = await ensureSampleMedia();
  work = await mkdtemp(join(tmpdir(), 'media-tools-ffmpeg-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

async function rejection(promise: Promise<unknown>): Promise<MediaError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof MediaError) return error;
    throw error;
  }
  throw new Error('expected a MediaError');
}

describe('probeFile', () => {
  it('describes the samples and tells faststart MP4s from moov-at-end ones', async () => {
    const small = await probeFile(samples.mp4Small);
    expect(small).toMatchObject({
      container: 'mp4',
      fastStart: true,
      video: { codec: 'h264', width: 640 },
    });
    expect((await probeFile(samples.mp4MoovAtEnd)).fastStart).toBe(false);
    expect((await probeFile(samples.mkvH264)).fastStart).toBeNull();
  });

  it('calls a file that is not media invalid_media', async () => {
    const bogus = join(work, 'bogus.mp4');
    await writeFile(bogus, 'this is not a video');
    expect((await rejection(probeFile(bogus))).code).toBe('invalid_media');
  });
});

describe('transcode', () => {
  it('passes a faststart H.264/AAC MP4 through untouched', async () => {
    const result = await transcode({
      input: samples.mp4Small,
      output: join(work, 'never-written.mp4'),
      probe: await probeFile(samples.mp4Small),
    });
    expect(result).toMatchObject({ path: samples.mp4Small, plan: { action: 'pass-through' } });
    await expect(stat(join(work, 'never-written.mp4'))).rejects.toThrow();
  });

  it('remuxes H.264 in Matroska into a faststart MP4 without re-encoding', async () => {
    const output = join(work, 'remuxed.mp4');
    const result = await transcode({
      input: samples.mkvH264,
      output,
      probe: await probeFile(samples.mkvH264),
    });
    expect(result.plan.action).toBe('remux');
    expect(await probeFile(output)).toMatchObject({
      container: 'mp4',
      fastStart: true,
      video: { codec: 'h264', width: 640, height: 360 },
      audio: { codec: 'aac' },
    });
  });

  it('re-encodes VP9/Opus into a Telegram-playable MP4, reporting progress', async () => {
    const output = join(work, 'from-webm.mp4');
    const progress: TranscodeProgress[] = [];
    const result = await transcode({
      input: samples.webmVp9,
      output,
      probe: await probeFile(samples.webmVp9),
      preset: 'ultrafast',
      onProgress: (p) => progress.push(p),
    });
    expect(result.plan.action).toBe('transcode');
    const made = await probeFile(output);
    expect(made).toMatchObject({
      container: 'mp4',
      fastStart: true,
      video: { codec: 'h264', pixelFormat: 'yuv420p' },
      audio: { codec: 'aac' },
    });
    expect((made.video?.width ?? 1) % 2).toBe(0);
    expect(progress.at(-1)).toMatchObject({ done: true, percent: 100 });
  });

  it('stops on abort: cancelled, no ffmpeg left, no output or partial file', async () => {
    const output = join(work, 'cancelled.mp4');
    const controller = new AbortController();
    const error = await rejection(
      transcode({
        input: samples.mp4Long,
        output,
        probe: await probeFile(samples.mp4Long),
        plan: { action: 'transcode', video: 'encode', audio: 'encode', reasons: [] },
        preset: 'ultrafast',
        signal: controller.signal,
        onProgress: () => controller.abort(),
      }),
    );
    expect(error.code).toBe('cancelled');
    expect(await liveProcessesMentioning(output)).toEqual([]);
    expect((await readdir(work)).filter((name) => name.includes('cancelled'))).toEqual([]);
  });
});

describe('extractAudioMp3', () => {
  it('writes an MP3 with ID3 title and artist', async () => {
    const output = join(work, 'song.mp3');
    await extractAudioMp3({
      input: samples.mp4Small,
      output,
      title: 'Sample\u0007 Title',
      artist: 'Sample Artist',
      durationSeconds: 5,
    });
    const probe = await probeFile(output);
    expect(probe).toMatchObject({ container: 'mp3', audio: { codec: 'mp3' } });
    expect(probe.tags).toMatchObject({ title: 'Sample Title', artist: 'Sample Artist' });
  });
});

describe('makeThumbnail', () => {
  it('makes a JPEG within Telegram’s 320 px and 200 kB', async () => {
    const output = join(work, 'thumb.jpg');
    const thumbnail = await makeThumbnail({ input: samples.mp4Hd, output, durationSeconds: 5 });
    expect(thumbnail.sizeBytes).toBeLessThanOrEqual(thumbnailLimits.maxBytes);
    const probe = await probeFile(output);
    expect(probe.video).toMatchObject({ codec: 'mjpeg', width: 320, height: 180 });
  });
});

describe('compressToFit', () => {
  it('brings a 720p sample under a limit below its size', async () => {
    const input = samples.mp4Hd;
    const { size } = await stat(input);
    const maxBytes = Math.floor(size * 0.7);
    const output = join(work, 'compressed.mp4');
    const result = await compressToFit({
      input,
      output,
      probe: await probeFile(input),
      maxBytes,
      preset: 'ultrafast',
    });
    expect(result.sizeBytes).toBeLessThanOrEqual(maxBytes);
    expect(await probeFile(output)).toMatchObject({
      fastStart: true,
      video: { codec: 'h264' },
      audio: { codec: 'aac' },
    });
  });
});
