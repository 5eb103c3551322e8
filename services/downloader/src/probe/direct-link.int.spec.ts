import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MediaProbed } from '@mediabot/contracts';
import { createAllowList } from '@mediabot/egress-guard';
import { probeMedia, type MediaInfo } from '@mediabot/media-tools';
import {
  longRunningContext,
  startHarness,
  startStrictProxy,
  type DownloaderHarness,
} from '../testing/harness.ts';
import { downloadRequested } from '../testing/messages.ts';
import { namesMediaFile, probeDirectLink, type DirectLinkProbeOptions } from './direct-link.ts';
import { createProbeHandler } from './probe.handler.ts';

let harness: DownloaderHarness;
let options: DirectLinkProbeOptions;

beforeAll(async () => {
  harness = await startHarness();
  options = {
    proxyUrl: harness.proxy.url,
    egress: { allowList: createAllowList(['127.0.0.1/32']), allowedPorts: [harness.media.port] },
    timeoutMs: 10_000,
    signal: new AbortController().signal,
  };
});
afterAll(() => harness.close());

/** What the bot offers and keys the cache on; sizes aside (a HEAD knows the exact one). */
const offerOf = (info: MediaInfo | undefined) =>
  info === undefined
    ? undefined
    : {
        mediaKey: info.mediaKey,
        id: info.id,
        title: info.title,
        extractorKey: info.extractorKey,
        webpageUrl: info.webpageUrl,
        qualities: info.qualities.map(({ quality, formatSelector, height }) => ({
          quality,
          formatSelector,
          height,
        })),
        directSources: info.directSources?.map(({ formatId, url, ext }) => ({
          formatId,
          url,
          ext,
        })),
      };

describe('namesMediaFile', () => {
  it.each([
    ['https://cdn.example/v/clip.MP4?sig=1', true],
    ['https://cdn.example/a/song.mp3', true],
    ['https://www.youtube.com/watch?v=abc', false],
    ['https://example.com/video', false],
    ['https://example.com/page.html', false],
    ['https://example.com/live/master.m3u8', false],
  ])('%s → %s', (url, expected) => {
    expect(namesMediaFile(url)).toBe(expected);
  });
});

describe('probeDirectLink (one HEAD for a link to a media file)', () => {
  it.each(['small-360p.mp4', 'tone.mp3', 'vp9-opus.webm', 'small-720p.mp4?from=chat'])(
    'answers %s as yt-dlp does, with one HEAD and the exact size',
    async (name) => {
      const url = harness.media.urlOf(name).replace('%3F', '?');
      const before = harness.media.requests.length;
      const direct = await probeDirectLink(url, options);
      expect(harness.media.requests.slice(before).map((request) => request.method)).toEqual([
        'HEAD',
      ]);
      const ytDlp = await probeMedia(url, { proxy: harness.proxy.url });
      expect(offerOf(direct)).toEqual(offerOf(ytDlp));
      expect(direct?.qualities.every((option) => option.estimatedBytes !== null)).toBe(true);
    },
  );

  it.each([
    ['an HTML page', 'page.html'],
    ['an HLS playlist', 'hls/master.m3u8'],
    ['a link whose path names no file', 'watch?v=abc'],
  ])('leaves %s to yt-dlp without asking the site', async (_label, name) => {
    const before = harness.media.requests.length;
    expect(await probeDirectLink(`${harness.media.origin}/${name}`, options)).toBeUndefined();
    expect(harness.media.requests.length).toBe(before);
  });

  it('leaves a media file name the site does not serve to yt-dlp, after one HEAD', async () => {
    const before = harness.media.requests.length;
    expect(await probeDirectLink(harness.media.urlOf('missing.mp4'), options)).toBeUndefined();
    expect(harness.media.requests.slice(before)).toEqual([
      expect.objectContaining({ method: 'HEAD', status: 404 }),
    ]);
  });

  it('never reaches an address the egress policy refuses', async () => {
    const strictProxy = await startStrictProxy(harness);
    try {
      const before = harness.media.requests.length;
      const strict = {
        ...options,
        proxyUrl: strictProxy.url,
        egress: { ...options.egress, allowList: createAllowList([]) },
      };
      expect(await probeDirectLink(harness.media.urlOf('small-360p.mp4'), strict)).toBeUndefined();
      // Allowed by the URL check, refused by the proxy where the connection is made.
      const lenient = { ...strict, egress: options.egress };
      expect(await probeDirectLink(harness.media.urlOf('small-360p.mp4'), lenient)).toBeUndefined();
      expect(harness.media.requests.length).toBe(before);
    } finally {
      await strictProxy.close();
    }
  });

  it('answers a direct link in the probe handler without running yt-dlp', async () => {
    const ytDlpRuns: string[] = [];
    const handler = createProbeHandler({
      db: harness.database.db,
      store: harness.store,
      proxyUrl: harness.proxy.url,
      egress: options.egress,
      ytDlpPath: 'yt-dlp',
      niceness: 10,
      probeTimeoutMs: 60_000,
      maxAttempts: 3,
      now: () => new Date(),
      probe: (url) => {
        ytDlpRuns.push(url);
        throw new Error('yt-dlp must not run for a direct link');
      },
      probeDirectLink: (url, signal) => probeDirectLink(url, { ...options, signal }),
    });
    const message = downloadRequested({
      url: `${harness.media.urlOf('small-360p.mp4')}?handler=1`,
    });
    await harness.store.append(message.streamId, [message], { expectedVersion: 'no_stream' });
    await handler(message, longRunningContext(harness, message));
    const probed = (await harness.store.readStream(message.streamId)).find((event) =>
      MediaProbed.is(event),
    );
    expect(ytDlpRuns).toEqual([]);
    expect(MediaProbed.parseData(1, probed?.data).options.map((option) => option.quality)).toEqual([
      '1080p',
      'audio-mp3',
    ]);
  });
});
