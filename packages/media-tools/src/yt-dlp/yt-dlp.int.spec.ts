import { once } from 'node:events';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ensureOversizeMp4,
  ensureSampleMedia,
  type MediaServer,
  sampleNames,
  startMediaServer,
} from '@mediabot/sample-media';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MediaError } from '../errors/media-error.ts';
import { extractAudioMp3 } from '../ffmpeg/audio.ts';
import { probeFile } from '../ffmpeg/ffprobe.ts';
import { planTranscode } from '../ffmpeg/plan-transcode.ts';
import { liveProcessesMentioning } from '../testing/processes.ts';
import { downloadMedia } from './download-media.ts';
import type { DownloadProgress } from './download-progress.ts';
import type { MediaInfo, QualityChoice } from './media-info.ts';
import { probeMedia } from './probe-media.ts';

let server: MediaServer;
let work: string;
let oversizePath: string;
let oversizeName: string;

beforeAll(async () => {
  const samples = await ensureSampleMedia();
  oversizePath = await ensureOversizeMp4(60 * 1024 * 1024);
  oversizeName = oversizePath.slice(samples.dir.length + 1);
  server = await startMediaServer({ dir: samples.dir });
  work = await mkdtemp(join(tmpdir(), 'media-tools-yt-dlp-'));
});
afterEach(() => {
  server.setThrottle(undefined);
  server.setLatency(0);
});
afterAll(async () => {
  await server.close();
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

function option(media: MediaInfo, quality: QualityChoice): string {
  const found = media.qualities.find((q) => q.quality === quality);
  if (found === undefined) throw new Error(`no ${quality} option`);
  return found.formatSelector;
}

async function freshWorkDir(): Promise<string> {
  return mkdtemp(join(work, 'job-'));
}

describe('probeMedia against the loopback media server', () => {
  it('probes a direct MP4, the HTML page and the HLS master playlist', async () => {
    const direct = await probeMedia(server.urlOf(sampleNames.mp4Small));
    expect(direct).toMatchObject({ extractorKey: 'Generic', id: 'small-360p' });
    const page = await probeMedia(server.urlOf(sampleNames.htmlPage));
    expect(page).toMatchObject({ extractorKey: 'HTML5MediaEmbed', title: 'Sample video page (1)' });
    const hls = await probeMedia(server.urlOf(sampleNames.hlsPlaylist));
    expect(hls.qualities.map((q) => [q.quality, q.height])).toEqual([
      ['720p', 720],
      ['360p', 360],
      ['audio-mp3', null],
    ]);
  });

  it('classifies failures: missing file, page without media, server errors, bad URLs', async () => {
    expect(await rejection(probeMedia(server.urlOf('missing.mp4')))).toMatchObject({
      code: 'removed',
      message: 'This media is no longer available.',
    });
    expect((await rejection(probeMedia(`${server.origin}/`))).code).toBe('unsupported_site');
    server.failNext(1, { status: 503 });
    expect(await rejection(probeMedia(server.urlOf(sampleNames.mp4Small)))).toMatchObject({
      code: 'site_unreachable',
      retryable: true,
    });
    expect((await rejection(probeMedia('file:///etc/passwd'))).code).toBe('unsupported_site');
    expect((await rejection(probeMedia('-J --exec rm'))).code).toBe('unsupported_site');
  });

  it('routes requests through the proxy it is given', async () => {
    const proxied: string[] = [];
    const proxy = createServer((incoming, outgoing) => {
      proxied.push(incoming.url ?? '');
      const upstream = httpRequest(
        incoming.url ?? '',
        { method: incoming.method, headers: incoming.headers },
        (response) => {
          outgoing.writeHead(response.statusCode ?? 502, response.headers);
          response.pipe(outgoing);
        },
      );
      upstream.on('error', () => outgoing.destroy());
      incoming.pipe(upstream);
    });
    proxy.listen(0, '127.0.0.1');
    await once(proxy, 'listening');
    try {
      const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
      const media = await probeMedia(server.urlOf(sampleNames.mp4Small), { proxy: proxyUrl });
      expect(media.id).toBe('small-360p');
      expect(proxied).toContain(server.urlOf(sampleNames.mp4Small));
    } finally {
      await closeServer(proxy);
    }
  });
});

async function closeServer(target: Server): Promise<void> {
  const closed = once(target, 'close');
  target.close();
  target.closeAllConnections();
  await closed;
}

describe('downloadMedia against the loopback media server', () => {
  it('downloads a direct MP4 into its own directory, with progress up to 100%', async () => {
    const workDir = await freshWorkDir();
    const media = await probeMedia(server.urlOf(sampleNames.mp4Small));
    const progress: DownloadProgress[] = [];
    const downloaded = await downloadMedia({
      url: media.webpageUrl,
      formatSelector: option(media, '1080p'),
      workDir,
      maxBytes: 10_000_000,
      timeoutMs: 60_000,
      onProgress: (p) => progress.push(p),
    });
    expect(downloaded.filePath).toBe(join(downloaded.directory, 'media.mp4'));
    expect(downloaded.directory.startsWith(workDir)).toBe(true);
    expect(progress.at(-1)).toMatchObject({ status: 'finished', percent: 100 });
    expect(await probeFile(downloaded.filePath)).toMatchObject({
      video: { codec: 'h264', height: 360 },
    });
  });

  it('downloads the video behind the HTML page', async () => {
    const media = await probeMedia(server.urlOf(sampleNames.htmlPage));
    const downloaded = await downloadMedia({
      url: media.webpageUrl,
      formatSelector: option(media, '1080p'),
      workDir: await freshWorkDir(),
      maxBytes: 10_000_000,
      timeoutMs: 60_000,
    });
    expect(await probeFile(downloaded.filePath)).toMatchObject({ video: { width: 640 } });
  });

  it('downloads the 720p variant of the HLS playlist as an MP4', async () => {
    const media = await probeMedia(server.urlOf(sampleNames.hlsPlaylist));
    const downloaded = await downloadMedia({
      url: media.webpageUrl,
      formatSelector: option(media, '720p'),
      workDir: await freshWorkDir(),
      maxBytes: 10_000_000,
      timeoutMs: 60_000,
    });
    expect(await probeFile(downloaded.filePath)).toMatchObject({
      container: 'mp4',
      video: { codec: 'h264', height: 720 },
      audio: { codec: 'aac' },
    });
  });

  it('downloads separate DASH video and audio and merges them into one MP4', async () => {
    const media = await probeMedia(server.urlOf(sampleNames.dashManifest));
    const progress: DownloadProgress[] = [];
    const downloaded = await downloadMedia({
      url: media.webpageUrl,
      formatSelector: option(media, '720p'),
      workDir: await freshWorkDir(),
      maxBytes: 10_000_000,
      timeoutMs: 60_000,
      onProgress: (p) => progress.push(p),
    });
    expect(downloaded.filePath).toBe(join(downloaded.directory, 'media.mp4'));
    expect(await readdir(downloaded.directory)).toEqual(['media.mp4']);
    expect(Math.max(...progress.map((p) => p.fileNumber))).toBe(2);
    expect(await probeFile(downloaded.filePath)).toMatchObject({
      container: 'mp4',
      video: { codec: 'h264', height: 720 },
      audio: { codec: 'aac' },
    });
  });

  it('gives a tagged MP3 from the audio choice', async () => {
    const media = await probeMedia(server.urlOf(sampleNames.mp4Small));
    const downloaded = await downloadMedia({
      url: media.webpageUrl,
      formatSelector: option(media, 'audio-mp3'),
      workDir: await freshWorkDir(),
      maxBytes: 10_000_000,
      timeoutMs: 60_000,
    });
    const mp3 = join(downloaded.directory, 'audio.mp3');
    await extractAudioMp3({
      input: downloaded.filePath,
      output: mp3,
      title: media.title,
      artist: 'MediaBot',
    });
    expect((await probeFile(mp3)).tags).toMatchObject({ title: 'small-360p', artist: 'MediaBot' });
  });

  it('cancels mid-download: no yt-dlp left running and no files left behind', async () => {
    server.setThrottle(100_000);
    const workDir = await freshWorkDir();
    const controller = new AbortController();
    let ticks = 0;
    const error = await rejection(
      downloadMedia({
        url: server.urlOf(sampleNames.mp4Long),
        formatSelector: 'b',
        workDir,
        maxBytes: 10_000_000,
        timeoutMs: 60_000,
        signal: controller.signal,
        onProgress: (p) => {
          ticks += 1;
          if (p.downloadedBytes > 0) controller.abort();
        },
      }),
    );
    expect(error.code).toBe('cancelled');
    expect(ticks).toBeGreaterThan(0);
    expect(await liveProcessesMentioning(workDir)).toEqual([]);
    expect(await readdir(workDir)).toEqual([]);
  });

  it('uses an oversize sample the transcoder would pass through as it is (so it stays oversize)', async () => {
    const plan = planTranscode(await probeFile(oversizePath));
    expect(plan.action).toBe('pass-through');
  });

  it('kills at the size limit when the size is announced, keeping nothing', async () => {
    const workDir = await freshWorkDir();
    const maxBytes = 20 * 1024 * 1024;
    const seen: DownloadProgress[] = [];
    const error = await rejection(
      downloadMedia({
        url: server.urlOf(oversizeName),
        formatSelector: 'b',
        workDir,
        maxBytes,
        timeoutMs: 60_000,
        onProgress: (p) => seen.push(p),
      }),
    );
    expect(error).toMatchObject({ code: 'too_large', retryable: false });
    expect(seen.every((p) => p.downloadedBytes <= maxBytes)).toBe(true);
    expect(await liveProcessesMentioning(workDir)).toEqual([]);
    expect(await readdir(workDir)).toEqual([]);
  });

  it('kills at the size limit when only an estimate is known (HLS)', async () => {
    const workDir = await freshWorkDir();
    const error = await rejection(
      downloadMedia({
        url: server.urlOf(sampleNames.hlsPlaylist),
        formatSelector: 'b',
        workDir,
        maxBytes: 200_000,
        timeoutMs: 60_000,
      }),
    );
    expect(error.code).toBe('too_large');
    expect(await readdir(workDir)).toEqual([]);
  });

  it('times out a download that is too slow', async () => {
    server.setThrottle(20_000);
    const workDir = await freshWorkDir();
    const error = await rejection(
      downloadMedia({
        url: server.urlOf(sampleNames.mp4Long),
        formatSelector: 'b',
        workDir,
        maxBytes: 10_000_000,
        timeoutMs: 1_500,
      }),
    );
    expect(error).toMatchObject({ code: 'timed_out', retryable: true });
    expect(await liveProcessesMentioning(workDir)).toEqual([]);
    expect(await readdir(workDir)).toEqual([]);
  });

  it('refuses a format selector that could be read as an option', async () => {
    const error = await rejection(
      downloadMedia({
        url: server.urlOf(sampleNames.mp4Small),
        formatSelector: '--exec=touch /tmp/pwned',
        workDir: await freshWorkDir(),
        maxBytes: 10_000_000,
        timeoutMs: 10_000,
      }),
    );
    expect(error.code).toBe('internal');
  });
});
