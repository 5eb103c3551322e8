import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  cacheStream,
  FetchProgressed,
  FormatSelected,
  MediaFetched,
  MediaProbed,
  type RecordedEnvelope,
} from '@mediabot/contracts';
import { createEventStore, migrateEventStore, type EventStore } from '@mediabot/eventstore';
import { startRelay, type Relay } from '@mediabot/messaging';
import { createObjectStorage } from '@mediabot/object-storage';
import { startEmbeddedS3, type EmbeddedS3 } from '@mediabot/object-storage/embedded';
import { ensureSampleMedia, startMediaServer, type MediaServer } from '@mediabot/sample-media';
import {
  createTestDatabase,
  createTestVhost,
  spawnNode,
  type ChildHandle,
  type TestDatabase,
  type TestVhost,
} from '@mediabot/testing';
import { buckets, s3Credentials } from './testing/harness.ts';
import { downloadRequested, fetchQueued } from './testing/messages.ts';

// The downloader as it runs in production: its main.ts in a process of its own, fed by the
// relay through RabbitMQ, killed with SIGKILL in the middle of a download and started again.

const mainFile = new URL('./main.ts', import.meta.url).pathname;
let scratch: string;
let database: TestDatabase;
let vhost: TestVhost;
let store: EventStore;
let relay: Relay;
let s3: EmbeddedS3;
let media: MediaServer;
const children: ChildHandle[] = [];

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'mediabot-downloader-e2e-'));
  [database, vhost] = await Promise.all([createTestDatabase(), createTestVhost()]);
  await migrateEventStore(database.db);
  store = createEventStore(database.db);
  relay = startRelay({
    db: database.db,
    databaseUrl: database.url,
    amqp: vhost.url,
    pollIntervalMs: 200,
  });
  s3 = await startEmbeddedS3({ directory: join(scratch, 's3'), port: 0, ...s3Credentials });
  const samples = await ensureSampleMedia();
  media = await startMediaServer({ dir: samples.dir });
});
afterEach(async () => {
  await Promise.all(children.splice(0).map((child) => child.kill('SIGKILL')));
});
afterAll(async () => {
  await relay?.stop();
  await Promise.allSettled([media?.close(), s3?.close()]);
  await Promise.all([vhost?.remove(), database?.drop()]);
  await rm(scratch, { recursive: true, force: true });
});

const workDir = () => join(scratch, 'work');

async function startDownloaderProcess(env: Record<string, string> = {}): Promise<ChildHandle> {
  const child = spawnNode(mainFile, {
    env: {
      DATABASE_URL: database.url,
      RABBITMQ_URL: vhost.url,
      REDIS_URL: 'redis://127.0.0.1:6379',
      HTTP_PORT: '0',
      LOG_LEVEL: 'info',
      S3_ENDPOINT: s3.endpoint,
      S3_ACCESS_KEY: s3Credentials.accessKey,
      S3_SECRET_KEY: s3Credentials.secretKey,
      S3_BUCKET_RAW: buckets.raw,
      S3_BUCKET_MEDIA: buckets.media,
      DOWNLOAD_WORK_DIR: workDir(),
      EGRESS_ALLOW_CIDRS: '127.0.0.1/32',
      EGRESS_ALLOW_PORTS: String(media.port),
      PROGRESS_INTERVAL: '300ms',
      SHUTDOWN_TIMEOUT_MS: '6s',
      ...env,
    },
  });
  children.push(child);
  await child.waitForLine(/"msg":"ready"/, 60_000);
  return child;
}

async function waitForEvent(
  streamId: string,
  matches: (event: RecordedEnvelope) => boolean,
  timeout = 60_000,
): Promise<RecordedEnvelope> {
  let found: RecordedEnvelope | undefined;
  await expect
    .poll(
      async () => {
        found = (await store.readStream(streamId)).find(matches);
        return found !== undefined;
      },
      { timeout, interval: 200 },
    )
    .toBe(true);
  return found!;
}

/**
 * The gateway's and storage's parts: a request for `url` (preferring 1080p), and once the
 * downloader has selected its format, the fetch that request starts (the site throttled first).
 */
async function queueFetchOf(url: string, throttleBytesPerSecond: number) {
  const requested = downloadRequested({ url, preferredQuality: '1080p' });
  await store.append(requested.streamId, [requested], { expectedVersion: 'no_stream' });
  const selectedEvent = await waitForEvent(requested.streamId, (event) => FormatSelected.is(event));
  const selected = FormatSelected.parseData(selectedEvent.version, selectedEvent.data);
  media.setThrottle(throttleBytesPerSecond);
  const queued = fetchQueued({
    requestId: selected.requestId,
    cacheKey: selected.cacheKey,
    url: selected.url,
    option: selected.option,
    title: selected.title,
  });
  await store.append(queued.streamId, [queued], { expectedVersion: selectedEvent.streamVersion });
  return { requested, queued, cacheStreamId: cacheStream(selected.cacheKey) };
}

function toolsInWorkDir(): string[] {
  return execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.includes(workDir()) && !line.includes('ps -eo'));
}

describe('downloader process', () => {
  it('probes, selects the preferred format, and completes a fetch after a SIGKILL mid-download, appending fetched once', async () => {
    // yt-dlp fetches here (direct fetches off): its job directory is what the restart must sweep.
    const ytDlpOnly = { DIRECT_FETCH_TTL: '0' };
    const first = await startDownloaderProcess(ytDlpOnly);

    // Storage's part: not cached, this request starts the fetch. Slow enough to be killed midway.
    const { requested, queued, cacheStreamId } = await queueFetchOf(
      media.urlOf('small-360p.mp4'),
      25_000,
    );
    await waitForEvent(requested.streamId, (event) => MediaProbed.is(event));
    await waitForEvent(cacheStreamId, (event) => FetchProgressed.is(event));

    await first.kill('SIGKILL');
    media.setThrottle(undefined);
    expect((await store.readStream(cacheStreamId)).filter((e) => MediaFetched.is(e))).toEqual([]);

    const second = await startDownloaderProcess(ytDlpOnly);
    const fetchedEvent = await waitForEvent(cacheStreamId, (event) => MediaFetched.is(event));
    expect(fetchedEvent.causationId).toBe(queued.eventId);

    // Done for good once the inbox has the fetch: then nothing can append it again.
    await expect
      .poll(
        async () =>
          (
            await sql<{ n: number }>`
              select count(*)::int as n from downloader.inbox where event_id = ${queued.eventId}::uuid`.execute(
              database.db,
            )
          ).rows[0]?.n,
        { timeout: 30_000, interval: 200 },
      )
      .toBe(1);
    const stream = await store.readStream(cacheStreamId);
    expect(stream.filter((event) => MediaFetched.is(event))).toHaveLength(1);
    expect(second.stdout.some((line) => line.includes('crashed run'))).toBe(true);
    expect(toolsInWorkDir()).toEqual([]);
    expect((await readdir(workDir())).filter((name) => name.startsWith('job-'))).toEqual([]);

    const exit = await second.kill('SIGTERM');
    expect(exit.code).toBe(0);
  });

  it('on SIGTERM mid-download gives the job back and exits cleanly; the next instance completes it', async () => {
    const first = await startDownloaderProcess();
    // Far longer than the shutdown allows: the download cannot finish in time.
    const { queued, cacheStreamId } = await queueFetchOf(media.urlOf('small-720p.mp4'), 20_000);
    await waitForEvent(cacheStreamId, (event) => FetchProgressed.is(event));

    const exit = await first.kill('SIGTERM');
    expect(exit.code).toBe(0);
    expect(toolsInWorkDir()).toEqual([]);
    expect((await store.readStream(cacheStreamId)).some((event) => MediaFetched.is(event))).toBe(
      false,
    );

    media.setThrottle(undefined);
    await startDownloaderProcess();
    const fetchedEvent = await waitForEvent(cacheStreamId, (event) => MediaFetched.is(event));
    expect(fetchedEvent.causationId).toBe(queued.eventId);
    expect((await store.readStream(cacheStreamId)).filter((e) => MediaFetched.is(e))).toHaveLength(
      1,
    );
  });

  it('streams a single-file format straight into S3 and completes it once after a SIGKILL mid-stream', async () => {
    const first = await startDownloaderProcess();
    // Its own cache entry: the query makes another media key for the generic extractor.
    const { queued, cacheStreamId } = await queueFetchOf(
      `${media.urlOf('small-720p.mp4')}?e2e=direct`,
      25_000,
    );
    await waitForEvent(cacheStreamId, (event) => FetchProgressed.is(event));
    // No yt-dlp for this fetch: the body goes from the site to S3 through the process.
    expect(toolsInWorkDir()).toEqual([]);

    await first.kill('SIGKILL');
    media.setThrottle(undefined);
    const second = await startDownloaderProcess();
    const fetchedEvent = await waitForEvent(cacheStreamId, (event) => MediaFetched.is(event));
    const fetched = MediaFetched.parseData(fetchedEvent.version, fetchedEvent.data);
    expect(fetchedEvent.causationId).toBe(queued.eventId);
    expect(second.stdout.some((line) => line.includes('Fetched directly'))).toBe(true);
    expect((await store.readStream(cacheStreamId)).filter((e) => MediaFetched.is(e))).toHaveLength(
      1,
    );
    const storage = createObjectStorage({
      endpoint: s3.endpoint,
      region: 'us-east-1',
      buckets,
      ...s3Credentials,
    });
    expect((await storage.stat('raw', fetched.objectKey))?.sizeBytes).toBe(fetched.sizeBytes);
    expect(await readdir(workDir()).catch(() => [])).toEqual([]);
  });
});
