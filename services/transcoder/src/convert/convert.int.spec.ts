import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cacheStream,
  FetchFailed,
  FetchProgressed,
  MediaReady,
  type Envelope,
} from '@mediabot/contracts';
import { createEventStore, migrateEventStore, type EventStore } from '@mediabot/eventstore';
import { probeFile } from '@mediabot/media-tools';
import { silentLogger, type LongRunningContext } from '@mediabot/messaging';
import { createObjectStorage, type ObjectStorage } from '@mediabot/object-storage';
import { startEmbeddedS3, type EmbeddedS3 } from '@mediabot/object-storage/embedded';
import { ensureSampleMedia, type SampleMedia } from '@mediabot/sample-media';
import { createTestDatabase, type TestDatabase } from '@mediabot/testing';
import { audioOption, mediaFetched, videoOption } from '../testing/messages.ts';
import { createConvertHandler, type ConvertDependencies } from './convert.handler.ts';

let scratch: string;
let database: TestDatabase;
let store: EventStore;
let s3: EmbeddedS3;
let storage: ObjectStorage;
let samples: SampleMedia;
let deps: ConvertDependencies;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'mediabot-transcoder-test-'));
  database = await createTestDatabase();
  await migrateEventStore(database.db);
  store = createEventStore(database.db);
  const credentials = { accessKey: 'test-access-key', secretKey: 'test-secret-key' };
  s3 = await startEmbeddedS3({ directory: join(scratch, 's3'), port: 0, ...credentials });
  storage = createObjectStorage({
    endpoint: s3.endpoint,
    region: 'us-east-1',
    buckets: { raw: 'mediabot-raw', media: 'mediabot-media' },
    ...credentials,
  });
  await storage.ensureBuckets();
  samples = await ensureSampleMedia();
  deps = {
    store,
    storage,
    workRoot: join(scratch, 'work'),
    ffmpegPath: 'ffmpeg',
    ffprobePath: 'ffprobe',
    timeoutMs: 60_000,
    preset: 'ultrafast',
    progressIntervalMs: 200,
    maxAttempts: 3,
    now: () => new Date(),
  };
});
afterAll(async () => {
  await s3.close();
  await database.drop();
  await rm(scratch, { recursive: true, force: true });
});

function context(message: Envelope): LongRunningContext {
  return {
    db: database.db,
    delivery: {
      consumer: 'transcoder',
      queue: 'test',
      messageId: message.eventId,
      type: message.type,
      routingKey: message.type,
      redelivered: false,
      attempt: 1,
      globalPosition: undefined,
    },
    logger: silentLogger,
    signal: new AbortController().signal,
  };
}

/** Puts a sample in the raw bucket, as the downloader would, and converts it. */
async function convert(samplePath: string, option = videoOption, title = 'Sample clip') {
  const rawKey = `raw-test/${basename(samplePath)}`;
  const stored = await storage.putFile('raw', rawKey, samplePath, 'application/octet-stream');
  const fetched = mediaFetched({
    objectKey: rawKey,
    sizeBytes: stored.sizeBytes,
    fileName: basename(samplePath),
    option,
    title,
  });
  await createConvertHandler(deps)(fetched, context(fetched));
  const stream = await store.readStream(cacheStream(fetched.data.cacheKey));
  return { fetched, stream };
}

async function download(key: string, name: string, bucket: 'media' | 'raw' = 'media') {
  const path = join(scratch, name);
  await storage.getToFile(bucket, key, path);
  return path;
}

const sha256Of = (data: Buffer) => createHash('sha256').update(data).digest('hex');

function readyOf(stream: readonly Envelope[]) {
  const ready = stream.filter((event) => MediaReady.is(event));
  expect(ready).toHaveLength(1);
  return MediaReady.parseData(2, ready[0]?.data);
}

describe('convert (real ffmpeg, embedded S3)', () => {
  it('re-encodes VP9/Opus into a playable MP4 (H.264/AAC, yuv420p, faststart) with a thumbnail', async () => {
    const { fetched, stream } = await convert(samples.webmVp9);
    const ready = readyOf(stream);
    expect(ready).toMatchObject({
      kind: 'video',
      bucket: 'media',
      mimeType: 'video/mp4',
      fileName: 'Sample clip.mp4',
      width: 320,
      height: 180,
      title: 'Sample clip',
      performer: 'Sample uploader',
    });
    expect(ready.durationSeconds).toBeGreaterThan(4);
    const mp4 = await probeFile(await download(ready.objectKey, 'vp9.mp4'));
    expect(mp4.video).toMatchObject({ codec: 'h264', pixelFormat: 'yuv420p' });
    expect(mp4.audio?.codec).toBe('aac');
    expect(mp4.fastStart).toBe(true);
    expect(mp4.sizeBytes).toBe(ready.sizeBytes);

    expect(ready.thumbnailObjectKey).not.toBeNull();
    const thumbnail = await probeFile(await download(ready.thumbnailObjectKey!, 'thumb.jpg'));
    expect(Math.max(thumbnail.video?.width ?? 0, thumbnail.video?.height ?? 0)).toBeLessThanOrEqual(
      320,
    );

    const progress = stream.filter((event) => FetchProgressed.is(event));
    expect(progress.length).toBeGreaterThan(0);
    expect(FetchProgressed.parseData(1, progress[0]?.data).stage).toBe('converting');
    expect(await readdir(deps.workRoot)).toEqual([]);

    // Delivered again: nothing new.
    await createConvertHandler(deps)(fetched, context(fetched));
    expect(await store.streamVersion(cacheStream(fetched.data.cacheKey))).toBe(
      BigInt(stream.length),
    );
  });

  it('passes a playable fast-start MP4 through without moving its body: probed in place, delivered from the raw object', async () => {
    const before = s3.requests().length;
    const { fetched, stream } = await convert(samples.mp4Small);
    const ready = readyOf(stream);
    expect(ready).toMatchObject({
      kind: 'video',
      mimeType: 'video/mp4',
      width: 640,
      height: 360,
      bucket: 'raw',
      objectKey: fetched.data.objectKey,
    });
    expect(ready.durationSeconds).toBeGreaterThan(4);

    const requests = s3.requests().slice(before);
    const rawPath = `/mediabot-raw/${fetched.data.objectKey}`;
    // The test's own put of the raw file, then only ranges of it: no copy, nothing written
    // but the thumbnail.
    expect(
      requests.filter((request) => request.path === rawPath && request.method !== 'GET'),
    ).toHaveLength(1);
    const rawReads = requests.filter(
      (request) => request.path === rawPath && request.method === 'GET',
    );
    expect(rawReads.length).toBeGreaterThan(0);
    expect(rawReads.every((request) => request.range !== null)).toBe(true);
    expect(requests.filter((request) => request.copySource !== null)).toEqual([]);
    const writes = requests.filter(
      (request) => request.method === 'PUT' || request.method === 'POST',
    );
    expect(writes.map((request) => request.path)).toEqual([
      rawPath,
      `/mediabot-media/${ready.thumbnailObjectKey}`,
    ]);

    const served = await download(ready.objectKey, 'passed.mp4', 'raw');
    expect(sha256Of(await readFile(served))).toBe(sha256Of(await readFile(samples.mp4Small)));
    expect(ready.sizeBytes).toBe((await stat(samples.mp4Small)).size);
    expect(ready.thumbnailObjectKey).not.toBeNull();
    const thumbnail = await probeFile(await download(ready.thumbnailObjectKey!, 'passed.jpg'));
    expect(thumbnail.video?.codec).toBe('mjpeg');
    expect(await readdir(deps.workRoot)).toEqual([]);
  });

  it('scales a fast-start MP4 taller than the chosen quality instead of passing it through', async () => {
    const ready = readyOf((await convert(samples.mp4Hd)).stream);
    expect(ready.bucket).toBe('media');
    expect(ready.height).toBeLessThanOrEqual(360);
    const mp4 = await probeFile(await download(ready.objectKey, 'scaled.mp4'));
    expect(mp4.video?.height).toBeLessThanOrEqual(360);
    expect(ready.thumbnailObjectKey).not.toBeNull();
    expect(await readdir(deps.workRoot)).toEqual([]);
  });

  it('remuxes an MP4 whose index is at the end, without re-encoding', async () => {
    const ready = readyOf((await convert(samples.mp4MoovAtEnd)).stream);
    expect(ready.bucket).toBe('media');
    const mp4 = await probeFile(await download(ready.objectKey, 'remuxed.mp4'));
    expect(mp4.fastStart).toBe(true);
    expect(mp4.video).toMatchObject({ codec: 'h264', width: 640, height: 360 });
  });

  it('makes a tagged MP3 for the audio option', async () => {
    const { stream } = await convert(samples.mp4Small, audioOption, 'Tone "test"');
    const ready = readyOf(stream);
    expect(ready).toMatchObject({
      kind: 'audio',
      bucket: 'media',
      mimeType: 'audio/mpeg',
      fileName: 'Tone test.mp3',
      thumbnailObjectKey: null,
      width: null,
      performer: 'Sample uploader',
    });
    const path = await download(ready.objectKey, 'tone.mp3');
    const tags = JSON.parse(
      execFileSync(
        'ffprobe',
        ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', path],
        {
          encoding: 'utf8',
        },
      ),
    ) as { format: { tags?: Record<string, string> }; streams: { codec_name: string }[] };
    expect(tags.streams.map((s) => s.codec_name)).toEqual(['mp3']);
    expect(tags.format.tags).toMatchObject({ title: 'Tone "test"', artist: 'Sample uploader' });
  });

  it('ends the fetch as failed (stage convert) when the file is not media', async () => {
    const notMedia = join(scratch, 'not-media.mp4');
    await writeFile(notMedia, 'this is not a video');
    const { stream } = await convert(notMedia);
    const failed = stream.filter((event) => FetchFailed.is(event));
    expect(failed).toHaveLength(1);
    expect(FetchFailed.parseData(1, failed[0]?.data)).toMatchObject({
      stage: 'convert',
      error: { code: 'internal', retryable: false },
    });
    expect(await readdir(deps.workRoot)).toEqual([]);
  });
});
