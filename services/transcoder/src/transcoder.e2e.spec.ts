import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cacheStream, MediaReady, type RecordedEnvelope } from '@mediabot/contracts';
import { createEventStore, migrateEventStore, type EventStore } from '@mediabot/eventstore';
import { downloadMedia, probeFile } from '@mediabot/media-tools';
import { startRelay, type Relay } from '@mediabot/messaging';
import { createObjectStorage, type ObjectStorage } from '@mediabot/object-storage';
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
import { mediaFetched } from './testing/messages.ts';

// The transcoder as it runs in production: main.ts in its own process, fed by the relay, turning
// a file yt-dlp really downloaded (an HLS stream) into a Telegram-ready MP4.

const mainFile = new URL('./main.ts', import.meta.url).pathname;
const credentials = { accessKey: 'test-access-key', secretKey: 'test-secret-key' };
const buckets = { raw: 'mediabot-raw', media: 'mediabot-media' };
let scratch: string;
let database: TestDatabase;
let vhost: TestVhost;
let store: EventStore;
let relay: Relay;
let s3: EmbeddedS3;
let storage: ObjectStorage;
let media: MediaServer;
const children: ChildHandle[] = [];

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'mediabot-transcoder-e2e-'));
  [database, vhost] = await Promise.all([createTestDatabase(), createTestVhost()]);
  await migrateEventStore(database.db);
  store = createEventStore(database.db);
  relay = startRelay({
    db: database.db,
    databaseUrl: database.url,
    amqp: vhost.url,
    pollIntervalMs: 200,
  });
  s3 = await startEmbeddedS3({ directory: join(scratch, 's3'), port: 0, ...credentials });
  storage = createObjectStorage({
    endpoint: s3.endpoint,
    region: 'us-east-1',
    buckets,
    ...credentials,
  });
  await storage.ensureBuckets();
  media = await startMediaServer({ dir: (await ensureSampleMedia()).dir });
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

describe('transcoder process', () => {
  it('turns a downloaded HLS stream into a playable MP4 and appends media-ready', async () => {
    const child = spawnNode(mainFile, {
      env: {
        DATABASE_URL: database.url,
        RABBITMQ_URL: vhost.url,
        REDIS_URL: 'redis://127.0.0.1:6379',
        HTTP_PORT: '0',
        S3_ENDPOINT: s3.endpoint,
        S3_ACCESS_KEY: credentials.accessKey,
        S3_SECRET_KEY: credentials.secretKey,
        S3_BUCKET_RAW: buckets.raw,
        S3_BUCKET_MEDIA: buckets.media,
        TRANSCODE_WORK_DIR: join(scratch, 'work'),
        TRANSCODE_PRESET: 'ultrafast',
        PROGRESS_INTERVAL: '300ms',
      },
    });
    children.push(child);
    const started = child.waitForLine(/"msg":"ready"/, 60_000);

    // The downloader's part: yt-dlp fetches the 360p variant, the raw file goes to S3.
    const downloaded = await downloadMedia({
      url: media.urlOf('hls/master.m3u8'),
      formatSelector: 'bv*[height<=?360]+ba/b[height<=?360]',
      workDir: join(scratch, 'download'),
      maxBytes: 50 * 1024 * 1024,
      timeoutMs: 60_000,
    });
    const fileName = basename(downloaded.filePath);
    await storage.putFile('raw', `e2e/${fileName}`, downloaded.filePath, 'video/mp4');
    await started;

    const fetched = mediaFetched({ objectKey: `e2e/${fileName}`, fileName, title: 'HLS clip' });
    await store.append(fetched.streamId, [fetched], { expectedVersion: 'no_stream' });

    let ready: RecordedEnvelope | undefined;
    await expect
      .poll(
        async () => {
          ready = (await store.readStream(cacheStream(fetched.data.cacheKey))).find((event) =>
            MediaReady.is(event),
          );
          return ready !== undefined;
        },
        { timeout: 90_000, interval: 250 },
      )
      .toBe(true);
    const data = MediaReady.parseData(2, ready?.data);
    expect(data).toMatchObject({ kind: 'video', mimeType: 'video/mp4', fileName: 'HLS clip.mp4' });
    expect(data.height).toBe(360);

    const output = join(scratch, 'ready.mp4');
    // A download that already plays is delivered from the raw bucket; anything else was made.
    await storage.getToFile(data.bucket, data.objectKey, output);
    const probe = await probeFile(output);
    expect(probe.video?.codec).toBe('h264');
    expect(probe.audio?.codec).toBe('aac');
    expect(probe.fastStart).toBe(true);

    expect((await child.kill('SIGTERM')).code).toBe(0);
  });
});
