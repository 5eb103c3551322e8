import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DownloadFailed,
  DownloadRequested,
  FormatSelected,
  MediaProbed,
  requestStream,
  type Envelope,
} from '@mediabot/contracts';
import { createAllowList } from '@mediabot/egress-guard';
import { createSelectFormatHandler } from '../select-format/select-format.handler.ts';
import {
  handleInTransaction,
  longRunningContext,
  startHarness,
  startStrictProxy,
  typesIn,
  type DownloaderHarness,
} from '../testing/harness.ts';
import { downloadRequested, qualityChosen } from '../testing/messages.ts';
import { createProbeHandler, type ProbeDependencies } from './probe.handler.ts';
import { probeMedia, type MediaInfo } from '@mediabot/media-tools';
import { createDirectSources } from '../fetch/direct-sources.ts';
import { createProbeCache } from './probe-cache.ts';
import { findProbedRequest } from './probed-requests.ts';

let harness: DownloaderHarness;
let deps: ProbeDependencies;

beforeAll(async () => {
  harness = await startHarness();
  deps = {
    db: harness.database.db,
    store: harness.store,
    proxyUrl: harness.proxy.url,
    egress: { allowList: createAllowList(['127.0.0.1/32']), allowedPorts: [harness.media.port] },
    ytDlpPath: 'yt-dlp',
    niceness: 10,
    probeTimeoutMs: 60_000,
    maxAttempts: 3,
    now: () => new Date(),
  };
});
afterAll(() => harness.close());

/** The gateway's part: the request is the first event of its stream. */
async function requested(url: string, preferredQuality: '720p' | null = null) {
  const message = downloadRequested({ url, preferredQuality });
  await harness.store.append(message.streamId, [message], { expectedVersion: 'no_stream' });
  return message;
}

async function probedOptions(message: Envelope): Promise<string[]> {
  const stream = await harness.store.readStream(message.streamId);
  const probed = stream.find((event) => MediaProbed.is(event));
  if (probed === undefined) throw new Error(`not probed: ${stream.map((e) => e.type).join()}`);
  return MediaProbed.parseData(probed.version, probed.data).options.map((o) => o.quality);
}

describe('probe (real yt-dlp through the egress proxy)', () => {
  let mp4: Envelope;
  let html: Envelope;
  let hls: Envelope;

  it('finds the real options of a direct MP4, an HTML page and an HLS playlist', async () => {
    const probe = createProbeHandler(deps);
    [mp4, html, hls] = await Promise.all([
      requested(
        harness.media.urlOf(harness.samples.mp4Small.slice(harness.samples.dir.length + 1)),
      ),
      requested(harness.media.urlOf('page.html')),
      requested(harness.media.urlOf('hls/master.m3u8'), '720p'),
    ]);
    const forwardedBefore = harness.forwarded();
    await Promise.all(
      [mp4, html, hls].map((message) => probe(message, longRunningContext(harness, message))),
    );

    expect(await probedOptions(mp4)).toEqual(['1080p', 'audio-mp3']);
    expect(await probedOptions(html)).toEqual(['1080p', 'audio-mp3']);
    expect(await probedOptions(hls)).toEqual(['720p', '360p', 'audio-mp3']);
    expect(harness.forwarded() - forwardedBefore).toBeGreaterThanOrEqual(3);

    // The preferred quality existed: the question is skipped.
    expect(await typesIn(harness.store, hls.streamId)).toEqual([
      DownloadRequested.type,
      MediaProbed.type,
      FormatSelected.type,
    ]);
    const stream = await harness.store.readStream(hls.streamId);
    const selected = FormatSelected.parseData(1, stream[2]?.data);
    expect(selected.cacheKey).toMatch(/^Generic:master:[0-9a-f]{16}#720p$/);
    expect(selected.url).toBe(harness.media.urlOf('hls/master.m3u8'));

    const row = await findProbedRequest(
      harness.database.db,
      (mp4.data as { requestId: string }).requestId,
    );
    expect(row?.options.map((option) => option.quality)).toEqual(['1080p', 'audio-mp3']);
  });

  it('appends nothing more and runs no probe when the request is delivered again', async () => {
    const before = await typesIn(harness.store, mp4.streamId);
    const forwardedBefore = harness.forwarded();
    await createProbeHandler(deps)(mp4, longRunningContext(harness, mp4));
    expect(await typesIn(harness.store, mp4.streamId)).toEqual(before);
    expect(harness.forwarded()).toBe(forwardedBefore);
  });

  it('answers a quality choice with the format, or a clear failure for one not offered', async () => {
    const select = createSelectFormatHandler({
      maxAttempts: 3,
      now: () => new Date(),
    });
    const htmlRequestId = (html.data as { requestId: string }).requestId;
    await handleInTransaction(harness, select, qualityChosen(htmlRequestId, 'audio-mp3'));
    const htmlStream = await harness.store.readStream(requestStream(htmlRequestId));
    const selected = htmlStream.find((event) => FormatSelected.is(event));
    expect(FormatSelected.parseData(1, selected?.data)).toMatchObject({
      cacheKey: expect.stringMatching(/^HTML5MediaEmbed:page-1:[0-9a-f]{16}#audio-mp3$/) as string,
      option: { quality: 'audio-mp3', kind: 'audio' },
    });

    const mp4RequestId = (mp4.data as { requestId: string }).requestId;
    await handleInTransaction(harness, select, qualityChosen(mp4RequestId, '720p'));
    const failed = (await harness.store.readStream(mp4.streamId)).find((event) =>
      DownloadFailed.is(event),
    );
    expect(DownloadFailed.parseData(1, failed?.data).error).toMatchObject({
      code: 'internal',
      detail: 'quality_not_offered: 720p (offered: 1080p, audio-mp3)',
    });
  });

  it('refuses loopback without the allow-list as blocked_address, before any request', async () => {
    const strict = createProbeHandler({
      ...deps,
      egress: { allowList: createAllowList([]), allowedPorts: [harness.media.port] },
    });
    const message = await requested(harness.media.urlOf('page.html'));
    const before = harness.media.requests.length;
    await strict(message, longRunningContext(harness, message));
    const failed = (await harness.store.readStream(message.streamId)).find((event) =>
      DownloadFailed.is(event),
    );
    expect(DownloadFailed.parseData(1, failed?.data)).toMatchObject({
      stage: 'probe',
      error: { code: 'blocked_address', retryable: false },
    });
    expect(harness.media.requests.length).toBe(before);
  });

  it('is refused by the proxy too, as blocked_address, when only the text check lets it pass', async () => {
    const strictProxy = await startStrictProxy(harness);
    try {
      const handler = createProbeHandler({ ...deps, proxyUrl: strictProxy.url });
      const message = await requested(harness.media.urlOf('page.html'));
      const before = harness.media.requests.length;
      await handler(message, longRunningContext(harness, message));
      const failed = (await harness.store.readStream(message.streamId)).find((event) =>
        DownloadFailed.is(event),
      );
      expect(DownloadFailed.parseData(1, failed?.data).error).toMatchObject({
        code: 'blocked_address',
      });
      expect(harness.media.requests.length).toBe(before);
    } finally {
      await strictProxy.close();
    }
  });
});

describe('direct sources (what the fetch may GET without yt-dlp)', () => {
  it('keeps the file of a direct MP4 and nothing for an HLS playlist', async () => {
    const sources = createDirectSources(harness.database.db, {
      ttlMs: 60_000,
      now: () => new Date(),
    });
    const handler = createProbeHandler({ ...deps, directSources: sources });
    const fileUrl = harness.media.urlOf('small-360p.mp4');
    const [mp4, hls] = await Promise.all([
      requested(`${fileUrl}?direct=1`),
      requested(harness.media.urlOf('hls/master.m3u8?direct=1')),
    ]);
    await Promise.all(
      [mp4, hls].map((message) => handler(message, longRunningContext(harness, message))),
    );
    expect(await sources.find(`${fileUrl}?direct=1`, 'mp4')).toMatchObject({
      formatId: 'mp4',
      url: `${fileUrl}?direct=1`,
      ext: 'mp4',
    });
    const { rows } = await sql<{ count: string }>`
      select count(*) from downloader.direct_sources where url like ${'%master.m3u8%'}`.execute(
      harness.database.db,
    );
    expect(Number(rows[0]?.count)).toBe(0);
  });

  it('forgets sources older than their time to live', async () => {
    let clock = Date.parse('2026-11-24T06:00:00Z');
    const sources = createDirectSources(harness.database.db, {
      ttlMs: 60_000,
      now: () => new Date(clock),
    });
    const source = {
      formatId: '18',
      url: 'https://cdn.example/18.mp4',
      httpHeaders: {},
      ext: 'mp4',
    };
    await sources.save('https://example.com/watch?v=ttl', [source]);
    expect(await sources.find('https://example.com/watch?v=ttl', '18')).toEqual(source);
    clock += 60_001;
    expect(await sources.find('https://example.com/watch?v=ttl', '18')).toBeUndefined();
  });
});

describe('probe cache (recent probes by normalised URL)', () => {
  const ttlMs = 10 * 60_000;
  let clock = Date.parse('2026-11-24T06:00:00Z');
  let probes: string[] = [];
  const now = () => new Date(clock);
  const countingProbe: ProbeDependencies['probe'] = (url, options) => {
    probes.push(url);
    return probeMedia(url, options);
  };
  const handlerWith = (maxEntries = 100) =>
    createProbeHandler({
      ...deps,
      now,
      probe: countingProbe,
      probeCache: createProbeCache(harness.database.db, { ttlMs, maxEntries, now }),
    });
  const probedData = async (message: Envelope) => {
    const probed = (await harness.store.readStream(message.streamId)).find((event) =>
      MediaProbed.is(event),
    );
    if (probed === undefined) throw new Error('not probed');
    const {
      requestId: _requestId,
      chatId: _chatId,
      ...data
    } = MediaProbed.parseData(probed.version, probed.data);
    return data;
  };
  const mp4Url = (query: string) =>
    `${harness.media.urlOf(harness.samples.mp4Small.slice(harness.samples.dir.length + 1))}?${query}`;

  it('answers a link probed moments ago without running yt-dlp, with the same events', async () => {
    probes = [];
    const handler = handlerWith();
    const first = await requested(mp4Url('cache=same'));
    await handler(first, longRunningContext(harness, first));
    expect(probes).toHaveLength(1);

    clock += 60_000;
    const forwardedBefore = harness.forwarded();
    // The same link, spelled differently: the cache key is the checked, normalised URL.
    const again = await requested(mp4Url('cache=same').replace('http://', 'HTTP://'));
    await handler(again, longRunningContext(harness, again));
    expect(probes).toHaveLength(1);
    expect(harness.forwarded()).toBe(forwardedBefore);
    expect(await typesIn(harness.store, again.streamId)).toEqual([
      DownloadRequested.type,
      MediaProbed.type,
    ]);
    expect(await probedData(again)).toEqual(await probedData(first));

    const other = await requested(mp4Url('cache=other'));
    await handler(other, longRunningContext(harness, other));
    expect(probes).toEqual([mp4Url('cache=same'), mp4Url('cache=other')]);
  });

  it('probes again once the cached probe is older than the TTL', async () => {
    probes = [];
    const handler = handlerWith();
    const first = await requested(mp4Url('cache=expiry'));
    await handler(first, longRunningContext(harness, first));
    clock += ttlMs - 1_000;
    const fresh = await requested(mp4Url('cache=expiry'));
    await handler(fresh, longRunningContext(harness, fresh));
    expect(probes).toHaveLength(1);
    clock += 2_000;
    const stale = await requested(mp4Url('cache=expiry'));
    await handler(stale, longRunningContext(harness, stale));
    expect(probes).toHaveLength(2);
  });

  it('keeps no failed probe', async () => {
    probes = [];
    const handler = handlerWith();
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const message = await requested(harness.media.urlOf('missing-for-cache.mp4'));
      await handler(message, longRunningContext(harness, message)).catch(() => undefined);
    }
    expect(probes).toHaveLength(2);
  });

  it('keeps at most maxEntries probes, dropping the oldest', async () => {
    const cache = createProbeCache(harness.database.db, { ttlMs, maxEntries: 2, now });
    const info = (mediaKey: string): MediaInfo => ({
      mediaKey,
      id: mediaKey,
      extractor: 'generic',
      extractorKey: 'Generic',
      title: mediaKey,
      durationSeconds: 1,
      uploader: null,
      webpageUrl: `https://example.com/${mediaKey}`,
      thumbnailUrl: null,
      qualities: [{ quality: 'audio-mp3', formatSelector: 'ba', height: null, estimatedBytes: 1 }],
    });
    for (const key of ['a', 'b', 'c']) {
      clock += 1_000;
      await cache.save(`https://example.com/${key}`, info(key));
    }
    expect(await cache.find('https://example.com/a')).toBeUndefined();
    expect((await cache.find('https://example.com/b'))?.mediaKey).toBe('b');
    expect((await cache.find('https://example.com/c'))?.mediaKey).toBe('c');
  });
});
