import { execFileSync } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  cacheStream,
  FetchFailed,
  FetchProgressed,
  MediaFetched,
  type QualityOption,
} from '@mediabot/contracts';
import { createAbandonHandler } from './abandon.handler.ts';
import { createFetchHandler, type FetchDependencies } from './fetch.handler.ts';
import { createFetchJobs } from './fetch-jobs.ts';
import { watchAbandonments } from './abandonments.ts';
import { FetchAbandoned } from '@mediabot/contracts';
import {
  handleInTransaction,
  longRunningContext,
  ofType,
  startHarness,
  type DownloaderHarness,
} from '../testing/harness.ts';
import { fetchQueued } from '../testing/messages.ts';

let harness: DownloaderHarness;
let deps: FetchDependencies;

const option: QualityOption = {
  quality: '360p',
  kind: 'video',
  formatSelector: 'mp4/bv*[height<=?360]+ba/b[height<=?360]/wv*+ba/w',
  estimatedBytes: null,
  height: null,
};

beforeAll(async () => {
  harness = await startHarness();
  deps = {
    db: harness.database.db,
    store: harness.store,
    storage: harness.storage,
    jobs: createFetchJobs(),
    workRoot: harness.workRoot,
    proxyUrl: harness.proxy.url,
    ytDlpPath: 'yt-dlp',
    niceness: 10,
    maxBytes: 50 * 1024 * 1024,
    timeoutMs: 60_000,
    progressIntervalMs: 300,
    maxAttempts: 3,
    now: () => new Date(),
  };
});
afterEach(() => harness.media.setThrottle(undefined));
afterAll(() => harness.close());

let fetchCount = 0;
/** A fetch of the small sample MP4 under a cache key of its own. */
function queuedFetch(overrides: { occurredAt?: Date } = {}) {
  fetchCount += 1;
  return fetchQueued({
    cacheKey: `Generic:small-360p:test${fetchCount}#360p`,
    url: harness.media.urlOf('small-360p.mp4'),
    option,
    ...overrides,
  });
}

/** yt-dlp processes started for this file's work directory, from the process table. */
function ytDlpProcessesInWorkRoot(): string[] {
  const table = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' });
  return table
    .split('\n')
    .filter((line) => line.includes(harness.workRoot) && !line.includes('ps -eo'));
}

async function jobDirsLeft(): Promise<string[]> {
  return (await readdir(harness.workRoot).catch(() => [])).filter((name) =>
    name.startsWith('job-'),
  );
}

describe('fetch (real yt-dlp through the egress proxy, embedded S3)', () => {
  it('downloads, stores the raw file and appends fetched once, with throttled progress', async () => {
    // ~280 kB at 120 kB/s: a couple of seconds, several progress ticks.
    harness.media.setThrottle(120_000);
    const message = queuedFetch();
    const handler = createFetchHandler(deps);
    await handler(message, longRunningContext(harness, message));

    const stream = await harness.store.readStream(cacheStream(message.data.cacheKey));
    const [fetched, ...moreFetched] = ofType(stream, MediaFetched.type);
    expect(moreFetched).toEqual([]);
    const data = MediaFetched.parseData(1, fetched?.data);
    expect(data).toMatchObject({
      cacheKey: message.data.cacheKey,
      fileName: 'media.mp4',
      title: 'Sample clip',
      option,
    });
    expect(fetched?.causationId).toBe(message.eventId);
    const object = await harness.storage.stat('raw', data.objectKey);
    expect(object?.sizeBytes).toBe(data.sizeBytes);
    expect(data.sizeBytes).toBeGreaterThan(100_000);

    const progress = ofType(stream, FetchProgressed.type).map((event) =>
      FetchProgressed.parseData(1, event.data),
    );
    expect(progress.some((tick) => tick.stage === 'downloading')).toBe(true);
    expect(progress.at(-1)?.stage).toBe('uploading');
    expect(await jobDirsLeft()).toEqual([]);

    // Delivered again (a crash before the inbox entry): skipped, nothing doubles.
    const versionBefore = await harness.store.streamVersion(cacheStream(message.data.cacheKey));
    await handler(message, longRunningContext(harness, message));
    expect(await harness.store.streamVersion(cacheStream(message.data.cacheKey))).toBe(
      versionBefore,
    );
  });

  it('stops a running download when the fetch is abandoned: no yt-dlp left, no files left', async () => {
    harness.media.setThrottle(8_000);
    const jobs = createFetchJobs();
    const handler = createFetchHandler({ ...deps, jobs });
    const message = queuedFetch();
    const streamId = cacheStream(message.data.cacheKey);
    const running = handler(message, longRunningContext(harness, message));

    await expect
      .poll(
        async () => ofType(await harness.store.readStream(streamId), FetchProgressed.type).length,
        {
          timeout: 20_000,
        },
      )
      .toBeGreaterThan(0);
    expect(ytDlpProcessesInWorkRoot().length).toBeGreaterThan(0);

    const abandoned = FetchAbandoned.create(
      { cacheKey: message.data.cacheKey },
      { streamId, actor: { kind: 'service', id: 'storage' } },
    );
    await handleInTransaction(harness, createAbandonHandler({ jobs }), abandoned);
    await running;

    const [ending, ...more] = ofType(await harness.store.readStream(streamId), FetchFailed.type);
    expect(more).toEqual([]);
    expect(FetchFailed.parseData(1, ending?.data)).toEqual({
      cacheKey: message.data.cacheKey,
      stage: 'download',
      error: { code: 'cancelled', retryable: false },
    });
    expect(jobs.running()).toEqual([]);
    expect(ytDlpProcessesInWorkRoot()).toEqual([]);
    expect(await jobDirsLeft()).toEqual([]);
  });

  it('stops a fetch running on another instance through the recorded abandonment', async () => {
    harness.media.setThrottle(8_000);
    const runningHere = createFetchJobs();
    const watchErrors: unknown[] = [];
    const watch = watchAbandonments({
      db: harness.database.db,
      jobs: runningHere,
      intervalMs: 200,
      onError: (error) => watchErrors.push(error),
    });
    try {
      const message = queuedFetch();
      const streamId = cacheStream(message.data.cacheKey);
      const running = createFetchHandler({ ...deps, jobs: runningHere })(
        message,
        longRunningContext(harness, message),
      );
      await expect
        .poll(
          async () => ofType(await harness.store.readStream(streamId), FetchProgressed.type).length,
          {
            timeout: 20_000,
          },
        )
        .toBeGreaterThan(0);
      // The fetch-abandoned reached another instance, which runs nothing for this key.
      await handleInTransaction(
        harness,
        createAbandonHandler({ jobs: createFetchJobs() }),
        FetchAbandoned.create(
          { cacheKey: message.data.cacheKey },
          { streamId, actor: { kind: 'service', id: 'storage' } },
        ),
      );
      await running;
      const [ending] = ofType(await harness.store.readStream(streamId), FetchFailed.type);
      expect(FetchFailed.parseData(1, ending?.data).error).toEqual({
        code: 'cancelled',
        retryable: false,
      });
      expect(ytDlpProcessesInWorkRoot()).toEqual([]);
      expect(watchErrors).toEqual([]);
    } finally {
      watch.stop();
    }
  });

  it('skips a fetch abandoned before it started, ending it as cancelled without a download', async () => {
    const jobs = createFetchJobs();
    const message = queuedFetch({ occurredAt: new Date(Date.now() - 60_000) });
    const streamId = cacheStream(message.data.cacheKey);
    await handleInTransaction(
      harness,
      createAbandonHandler({ jobs }),
      FetchAbandoned.create(
        { cacheKey: message.data.cacheKey },
        { streamId, actor: { kind: 'service', id: 'storage' } },
      ),
    );
    const requestsBefore = harness.media.requests.length;
    await createFetchHandler({ ...deps, jobs })(message, longRunningContext(harness, message));
    const events = await harness.store.readStream(streamId);
    expect(events.map((event) => event.type)).toEqual([FetchFailed.type]);
    expect(harness.media.requests.length).toBe(requestsBefore);
  });

  it('ends a download over the size limit as too_large, in Node, and removes what it wrote', async () => {
    const message = queuedFetch();
    await createFetchHandler({ ...deps, maxBytes: 50_000 })(
      message,
      longRunningContext(harness, message),
    );
    const [ending] = ofType(
      await harness.store.readStream(cacheStream(message.data.cacheKey)),
      FetchFailed.type,
    );
    expect(FetchFailed.parseData(1, ending?.data)).toMatchObject({
      stage: 'download',
      error: { code: 'too_large', retryable: false },
    });
    expect(await jobDirsLeft()).toEqual([]);
  });
});
