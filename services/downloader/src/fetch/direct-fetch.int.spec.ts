import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  cacheStream,
  FetchFailed,
  FetchProgressed,
  MediaFetched,
  type QualityOption,
} from '@mediabot/contracts';
import { createAllowList, startEgressProxy, type EgressProxy } from '@mediabot/egress-guard';
import type { DirectSource } from '@mediabot/media-tools';
import { createDirectSources, type DirectSources } from './direct-sources.ts';
import { createFetchHandler, rawObjectKey, type FetchDependencies } from './fetch.handler.ts';
import { createFetchJobs } from './fetch-jobs.ts';
import {
  longRunningContext,
  ofType,
  startHarness,
  type DownloaderHarness,
} from '../testing/harness.ts';
import { fetchQueued } from '../testing/messages.ts';

let harness: DownloaderHarness;
let sources: DirectSources;
let deps: FetchDependencies;
/** Answers what each test asks of it: redirects, a body cut short. */
let site: Server;
let siteOrigin: string;
let siteHandler: (path: string, response: ServerResponse) => void;
/** An egress proxy that also lets the test site's port through. */
let proxy: EgressProxy;

const option: QualityOption = {
  quality: '360p',
  kind: 'video',
  formatSelector: 'mp4/bv*[height<=?360]+ba/b[height<=?360]/wv*+ba/w',
  estimatedBytes: null,
  height: null,
};
// yt-dlp must not run where a test says the direct path alone does the work.
const noYtDlp = '/nonexistent/yt-dlp-must-not-run';

beforeAll(async () => {
  harness = await startHarness();
  site = createServer((request, response) => siteHandler(request.url ?? '/', response));
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  const sitePort = (site.address() as AddressInfo).port;
  siteOrigin = `http://127.0.0.1:${sitePort}`;
  const allowedPorts = [harness.media.port, sitePort];
  proxy = await startEgressProxy({
    host: '127.0.0.1',
    port: 0,
    allowList: ['127.0.0.1/32'],
    allowedPorts,
    connectTimeoutMs: 2_000,
  });
  sources = createDirectSources(harness.database.db, { ttlMs: 60_000, now: () => new Date() });
  deps = {
    db: harness.database.db,
    store: harness.store,
    storage: harness.storage,
    jobs: createFetchJobs(),
    workRoot: harness.workRoot,
    proxyUrl: proxy.url,
    ytDlpPath: noYtDlp,
    niceness: 10,
    maxBytes: 50 * 1024 * 1024,
    timeoutMs: 60_000,
    progressIntervalMs: 300,
    maxAttempts: 3,
    now: () => new Date(),
    direct: {
      sources,
      egress: { allowList: createAllowList(['127.0.0.1/32']), allowedPorts },
    },
  };
});
afterEach(() => harness.media.setThrottle(undefined));
afterAll(async () => {
  await proxy.close();
  await new Promise((resolve) => site.close(resolve));
  await harness.close();
});

let fetchCount = 0;
/** A fetch of the sample MP4 whose probe found `source` for format `mp4`. */
async function queuedDirectFetch(source: Partial<DirectSource> = {}) {
  fetchCount += 1;
  const url = `${harness.media.urlOf('small-360p.mp4')}?fetch=${fetchCount}`;
  await sources.save(url, [
    {
      formatId: 'mp4',
      url: harness.media.urlOf('small-360p.mp4'),
      httpHeaders: { 'User-Agent': 'probe-agent', Referer: 'https://example.com/' },
      ext: 'mp4',
      ...source,
    },
  ]);
  return fetchQueued({ cacheKey: `Generic:direct:test${fetchCount}#360p`, url, option });
}

async function endingOf(cacheKey: string) {
  const stream = await harness.store.readStream(cacheStream(cacheKey));
  const fetched = ofType(stream, MediaFetched.type).map((e) => MediaFetched.parseData(1, e.data));
  const failed = ofType(stream, FetchFailed.type).map((e) => FetchFailed.parseData(1, e.data));
  const progress = ofType(stream, FetchProgressed.type).map((e) =>
    FetchProgressed.parseData(1, e.data),
  );
  return { fetched, failed, progress };
}

/** Objects under the fetch's own folder of the raw bucket. */
async function rawObjectsOf(message: { eventId: string; data: { cacheKey: string } }) {
  const folder = `${dirname(rawObjectKey(message.data.cacheKey, message.eventId, 'media.mp4'))}/`;
  const keys: string[] = [];
  for await (const item of harness.storage.list('raw', folder)) keys.push(item.key);
  return keys;
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

describe('direct fetch of a probed single-file format (one GET through the egress proxy)', () => {
  it('streams the file into raw without yt-dlp and without a job directory', async () => {
    harness.media.setThrottle(150_000);
    const message = await queuedDirectFetch();
    const requestsBefore = harness.media.requests.length;
    await createFetchHandler(deps)(message, longRunningContext(harness, message));

    const { fetched, failed, progress } = await endingOf(message.data.cacheKey);
    expect(failed).toEqual([]);
    expect(fetched).toHaveLength(1);
    expect(fetched[0]).toMatchObject({ fileName: 'media.mp4', option });
    const original = await readFile(join(harness.samples.dir, 'small-360p.mp4'));
    expect(fetched[0]?.sizeBytes).toBe(original.length);
    const chunks: Buffer[] = [];
    for await (const chunk of await harness.storage.getStream('raw', fetched[0]?.objectKey ?? '')) {
      chunks.push(chunk as Buffer);
    }
    expect(sha256(Buffer.concat(chunks))).toBe(sha256(original));
    expect((await harness.storage.stat('raw', fetched[0]?.objectKey ?? ''))?.contentType).toBe(
      'video/mp4',
    );
    // One GET of the file, nothing else at the site.
    expect(harness.media.requests.slice(requestsBefore)).toEqual([
      { method: 'GET', path: '/small-360p.mp4', range: undefined, status: 200 },
    ]);
    expect(progress.some((tick) => tick.stage === 'downloading' && tick.percent !== null)).toBe(
      true,
    );
  });

  it('sends the headers the probe gave and none of its own encodings', async () => {
    let seen: Record<string, string | string[] | undefined> = {};
    siteHandler = (_path, response) => {
      seen = response.req.headers;
      response.writeHead(200, { 'content-type': 'video/mp4', 'content-length': '4' });
      response.end('abcd');
    };
    const message = await queuedDirectFetch({
      url: `${siteOrigin}/file.mp4`,
      httpHeaders: { 'User-Agent': 'probe-agent', Cookie: 'session=1', Host: 'evil.example' },
    });
    await createFetchHandler(deps)(message, longRunningContext(harness, message));
    expect((await endingOf(message.data.cacheKey)).fetched).toHaveLength(1);
    expect(seen).toMatchObject({
      'user-agent': 'probe-agent',
      cookie: 'session=1',
      'accept-encoding': 'identity',
      host: new URL(siteOrigin).host,
    });
  });

  it('falls back to yt-dlp when the source answers 403 (an expired signature)', async () => {
    const message = await queuedDirectFetch();
    harness.media.failNext(1, { status: 403, pathPrefix: '/small-360p.mp4' });
    await createFetchHandler({ ...deps, ytDlpPath: 'yt-dlp' })(
      message,
      longRunningContext(harness, message),
    );
    const { fetched, failed } = await endingOf(message.data.cacheKey);
    expect(failed).toEqual([]);
    expect(fetched).toHaveLength(1);
  });

  it('falls back to yt-dlp when the source is a web page, not a file', async () => {
    const message = await queuedDirectFetch({ url: `${harness.media.origin}/index.html` });
    await createFetchHandler({ ...deps, ytDlpPath: 'yt-dlp' })(
      message,
      longRunningContext(harness, message),
    );
    const { fetched } = await endingOf(message.data.cacheKey);
    expect(fetched).toHaveLength(1);
    expect(fetched[0]?.sizeBytes).toBeGreaterThan(100_000);
  });

  it('follows a redirect to the file', async () => {
    siteHandler = (_path, response) => {
      response.writeHead(302, { location: harness.media.urlOf('small-360p.mp4') }).end();
    };
    const message = await queuedDirectFetch({ url: `${siteOrigin}/moved` });
    await createFetchHandler(deps)(message, longRunningContext(harness, message));
    expect((await endingOf(message.data.cacheKey)).fetched).toHaveLength(1);
  });

  it('refuses a redirect to an address outside the allow-list, without trying yt-dlp', async () => {
    siteHandler = (_path, response) => {
      response
        .writeHead(302, { location: `http://127.0.0.2:${harness.media.port}/small-360p.mp4` })
        .end();
    };
    const message = await queuedDirectFetch({ url: `${siteOrigin}/to-loopback` });
    await createFetchHandler(deps)(message, longRunningContext(harness, message));
    const { fetched, failed } = await endingOf(message.data.cacheKey);
    expect(fetched).toEqual([]);
    expect(failed.map((ending) => ending.error.code)).toEqual(['blocked_address']);
  });

  it('fails too_large on the announced length before reading the body', async () => {
    const message = await queuedDirectFetch();
    await createFetchHandler({ ...deps, maxBytes: 10_000 })(
      message,
      longRunningContext(harness, message),
    );
    const { failed } = await endingOf(message.data.cacheKey);
    expect(failed.map((ending) => ending.error.code)).toEqual(['too_large']);
    expect(await rawObjectsOf(message)).toEqual([]);
  });

  it('gives a cut body back for a retry and keeps no partial object', async () => {
    siteHandler = (_path, response) => {
      response.writeHead(200, { 'content-type': 'video/mp4', 'content-length': '1000000' });
      response.write(Buffer.alloc(64 * 1024));
      setTimeout(() => response.socket?.destroy(), 50);
    };
    const message = await queuedDirectFetch({ url: `${siteOrigin}/cut.mp4` });
    await expect(
      createFetchHandler(deps)(message, longRunningContext(harness, message)),
    ).rejects.toMatchObject({ retryable: true });
    const { fetched, failed } = await endingOf(message.data.cacheKey);
    expect([fetched, failed]).toEqual([[], []]);
    await expect.poll(() => rawObjectsOf(message)).toEqual([]);
  });

  it('stops when the user cancels: nothing stored, the fetch ends cancelled', async () => {
    harness.media.setThrottle(20_000);
    const jobs = createFetchJobs();
    const message = await queuedDirectFetch();
    const running = createFetchHandler({ ...deps, jobs })(
      message,
      longRunningContext(harness, message),
    );
    await expect
      .poll(async () => (await endingOf(message.data.cacheKey)).progress.length, {
        timeout: 10_000,
      })
      .toBeGreaterThan(0);
    expect(jobs.cancel(message.data.cacheKey, new Date())).toBe(1);
    await running;
    const { fetched, failed } = await endingOf(message.data.cacheKey);
    expect(fetched).toEqual([]);
    expect(failed).toEqual([
      expect.objectContaining({ error: { code: 'cancelled', retryable: false } }),
    ]);
    await expect.poll(() => rawObjectsOf(message)).toEqual([]);
  });

  it('leaves a retry to yt-dlp, which extracts fresh URLs', async () => {
    const message = await queuedDirectFetch({ url: `${siteOrigin}/never-asked` });
    let asked = false;
    siteHandler = (_path, response) => {
      asked = true;
      response.writeHead(500).end();
    };
    await createFetchHandler({ ...deps, ytDlpPath: 'yt-dlp' })(
      message,
      longRunningContext(harness, message, { attempt: 2 }),
    );
    expect(asked).toBe(false);
    expect((await endingOf(message.data.cacheKey)).fetched).toHaveLength(1);
  });
});
