import { spawn } from 'node:child_process';
import { mkdtemp, rm, stat, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureOversizeMp4, ensureSampleMedia, sampleNames, type SampleMedia } from './generate.ts';
import { type MediaServer, startMediaServer } from './media-server.ts';

function ffprobeJson(path: string): Promise<{
  format: { duration: string };
  streams: { codec_name: string; pix_fmt?: string; profile?: string }[];
}> {
  return new Promise((resolve, reject) => {
    const child = spawn('ffprobe', [
      '-v',
      'error',
      '-print_format',
      'json',
      '-show_format',
      '-show_streams',
      path,
    ]);
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.once('error', reject);
    child.once('close', (code) => {
      if (code === 0) resolve(JSON.parse(out) as never);
      else reject(new Error(`ffprobe exited with ${code}`));
    });
  });
}

let samples: SampleMedia;

beforeAll(async () => {
  samples = await ensureSampleMedia();
});

describe('ensureSampleMedia', () => {
  it('makes every sample with the codecs its name promises', async () => {
    const codecs = async (path: string): Promise<string[]> =>
      (await ffprobeJson(path)).streams.map((s) => s.codec_name);
    expect(await codecs(samples.mp4Small)).toEqual(['h264', 'aac']);
    expect(await codecs(samples.mp4Hd)).toEqual(['h264', 'aac']);
    expect(await codecs(samples.webmVp9)).toEqual(['vp9', 'opus']);
    expect(await codecs(samples.mp3)).toEqual(['mp3']);
    expect(await codecs(samples.m4a)).toEqual(['aac']);
    expect(Number((await ffprobeJson(samples.mp4Long)).format.duration)).toBeGreaterThanOrEqual(59);
    expect(await codecs(join(samples.dir, 'hls/720p/index.m3u8'))).toEqual(['h264', 'aac']);
  });

  it('is idempotent: a second call reuses the files', async () => {
    const before = await stat(samples.mp4Small);
    const again = await ensureSampleMedia(samples.dir);
    expect(again).toEqual(samples);
    expect((await stat(samples.mp4Small)).mtimeMs).toBe(before.mtimeMs);
  });

  it('builds an oversize MP4 of at least the asked size that still plays', async () => {
    // The size the downloader tests use, so the file is made once.
    const minBytes = 60 * 1024 * 1024;
    const path = await ensureOversizeMp4(minBytes, samples.dir);
    expect((await stat(path)).size).toBeGreaterThanOrEqual(minBytes);
    const probe = await ffprobeJson(path);
    expect(probe.streams.map((s) => s.codec_name)).toEqual(['h264', 'aac']);
    // Playable as it is, so the transcoder passes it through and it stays over the limit.
    expect(probe.streams[0]?.pix_fmt).toBe('yuv420p');
    expect(probe.streams[0]?.profile).not.toMatch(/4:4:4/);
    expect(Number(probe.format.duration)).toBeGreaterThan(1);
  });
});

describe('startMediaServer', () => {
  let server: MediaServer;
  let scratch: string;

  beforeAll(async () => {
    server = await startMediaServer({ dir: samples.dir });
    scratch = await mkdtemp(join(tmpdir(), 'sample-media-'));
  });
  afterAll(async () => {
    await server.close();
    await rm(scratch, { recursive: true, force: true });
  });

  it('serves files with their content type, length and range support', async () => {
    const { size } = await stat(samples.mp4Small);
    const whole = await fetch(server.urlOf(sampleNames.mp4Small));
    expect(whole.status).toBe(200);
    expect(whole.headers.get('content-type')).toBe('video/mp4');
    expect(whole.headers.get('accept-ranges')).toBe('bytes');
    expect((await whole.arrayBuffer()).byteLength).toBe(size);

    const part = await fetch(server.urlOf(sampleNames.mp4Small), {
      headers: { range: 'bytes=4-11' },
    });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 4-11/${size}`);
    expect(Buffer.from(await part.arrayBuffer()).toString('latin1')).toBe('ftypisom');

    const beyond = await fetch(server.urlOf(sampleNames.mp4Small), {
      headers: { range: `bytes=${size}-` },
    });
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get('content-range')).toBe(`bytes */${size}`);
  });

  it('answers HEAD without a body, and 404 for missing or escaping paths', async () => {
    const head = await fetch(server.urlOf(sampleNames.mp3), { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-type')).toBe('audio/mpeg');
    expect(Number(head.headers.get('content-length'))).toBe((await stat(samples.mp3)).size);
    expect((await fetch(server.urlOf('nope.mp4'))).status).toBe(404);
    expect((await fetch(`${server.origin}/..%2f..%2fetc%2fpasswd`)).status).toBe(404);
    expect((await fetch(`${server.origin}/hls`)).status).toBe(404);
  });

  it('lists the samples on its index page', async () => {
    const index = await (await fetch(`${server.origin}/`)).text();
    expect(index).toContain(`href="/${sampleNames.htmlPage}"`);
    expect(index).toContain(`href="/${sampleNames.hlsPlaylist}"`);
    expect(index).not.toContain('.lock');
  });

  it('fails the next N matching requests on demand, then recovers', async () => {
    server.failNext(2, { status: 500, pathPrefix: '/tone' });
    expect((await fetch(server.urlOf(sampleNames.mp4Small))).status).toBe(200);
    expect((await fetch(server.urlOf(sampleNames.mp3))).status).toBe(500);
    expect((await fetch(server.urlOf(sampleNames.m4a))).status).toBe(500);
    expect((await fetch(server.urlOf(sampleNames.mp3))).status).toBe(200);
    expect(server.requests.at(-1)).toMatchObject({ method: 'GET', path: '/tone.mp3', status: 200 });
  });

  it('throttles bodies and delays answers when asked', async () => {
    const waits: number[] = [];
    const own = await startMediaServer({
      dir: scratch,
      latencyMs: 50,
      throttleBytesPerSecond: 64 * 1024,
      sleep: (ms) => {
        waits.push(ms);
        return Promise.resolve();
      },
    });
    try {
      await mkdir(join(scratch, 'sub'));
      await writeFile(join(scratch, 'sub', 'blob.bin'), Buffer.alloc(64 * 1024, 1));
      const body = await (await fetch(own.urlOf('sub/blob.bin'))).arrayBuffer();
      expect(body.byteLength).toBe(64 * 1024);
      // The latency, then a quarter second per 16 KiB chunk at 64 KiB/s.
      expect(waits).toEqual([50, 250, 250, 250, 250]);
    } finally {
      await own.close();
    }
  });
});
