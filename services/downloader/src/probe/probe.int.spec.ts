import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DownloadFailed,
  DownloadRequested,
  FormatSelected,
  MediaProbed,
  requestStream,
  type Envelope,
} from '@mediabot/contracts';
import { createAllowList, startEgressProxy } from '@mediabot/egress-guard';
import { createSelectFormatHandler } from '../select-format/select-format.handler.ts';
import {
  handleInTransaction,
  longRunningContext,
  startHarness,
  typesIn,
  type DownloaderHarness,
} from '../testing/harness.ts';
import { downloadRequested, qualityChosen } from '../testing/messages.ts';
import { createProbeHandler, type ProbeDependencies } from './probe.handler.ts';
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
      store: harness.store,
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
    const strictProxy = await startEgressProxy({
      host: '127.0.0.1',
      port: 0,
      allowList: [],
      allowedPorts: [harness.media.port],
      connectTimeoutMs: 2_000,
    });
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
