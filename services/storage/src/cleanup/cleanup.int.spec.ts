import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DownloadLinkIssued } from '@mediabot/contracts';
import { type ObjectStorage } from '@mediabot/object-storage';
import {
  delivered,
  formatSelected,
  mediaReady,
  policy,
  request,
  uniqueCacheKey,
} from '../cache/fixtures.ts';
import {
  entryRow,
  requestStatuses,
  startStorageHarness,
  type StorageHarness,
} from '../testing/storage-harness.ts';
import { runCleanup, withCleanupLock, type CleanupDependencies } from './cleanup.ts';

let harness: StorageHarness;

beforeAll(async () => {
  harness = await startStorageHarness();
});
afterAll(async () => {
  await harness.close();
});

const hour = 3_600_000;

async function put(objects: ObjectStorage, bucket: 'media' | 'raw', key: string) {
  await objects.putStream(bucket, key, Readable.from([Buffer.from(key)]), {
    contentType: 'application/octet-stream',
    sizeBytes: Buffer.byteLength(key),
  });
}

function cleanupDeps(now: Date): CleanupDependencies {
  return {
    db: harness.database.db,
    objects: harness.objects,
    policy,
    now: () => now,
    rawObjectTtlMs: 6 * hour,
    deletionGraceMs: hour,
  };
}

describe('cleanup', () => {
  it('empties expired entries, deletes their objects after the grace period, keeps live ones', async () => {
    const readyAt = new Date('2030-03-01T00:00:00.000Z');
    harness.clock.now = readyAt;
    const [expiring, waitedOn] = [uniqueCacheKey(), uniqueCacheKey()];

    const first = request();
    await harness.handle(formatSelected(first, expiring));
    await put(harness.objects, 'media', 'media/cleanup/expiring.mp4');
    const ready = mediaReady(
      { objectKey: 'media/cleanup/expiring.mp4', occurredAt: readyAt },
      expiring,
    );
    await harness.appendAsProducer(ready);
    await harness.handle(ready);
    await harness.handle(delivered(first, 'FILE-EXPIRING', expiring));

    // An entry someone still waits on is never cleaned, whatever its age.
    const waiting = request();
    await harness.handle(formatSelected(waiting, waitedOn));

    const dayLater = new Date(readyAt.getTime() + 24 * hour);
    expect(await runCleanup(cleanupDeps(new Date(dayLater.getTime() - 1)))).toMatchObject({
      expiredEntries: 0,
    });
    expect(await runCleanup(cleanupDeps(dayLater))).toMatchObject({
      expiredEntries: 1,
      deletedObjects: 0,
    });
    expect(await entryRow(harness.database.db, expiring)).toMatchObject({
      status: 'empty',
      media: null,
      telegram_file_id: null,
      hits: 0,
    });
    expect((await requestStatuses(harness.database.db))[first.requestId]).toBeUndefined();
    expect((await requestStatuses(harness.database.db))[waiting.requestId]).toBe('waiting');
    // Still there during the grace period (a notifier may be uploading it) …
    expect(await harness.objects.stat('media', 'media/cleanup/expiring.mp4')).not.toBeNull();
    // … gone after it.
    expect(await runCleanup(cleanupDeps(new Date(dayLater.getTime() + hour)))).toMatchObject({
      deletedObjects: 1,
    });
    expect(await harness.objects.stat('media', 'media/cleanup/expiring.mp4')).toBeNull();

    // The emptied entry fetches again, continuing its stream where it was.
    harness.clock.now = new Date(dayLater.getTime() + 2 * hour);
    expect(await harness.handle(formatSelected(request(), expiring))).toMatchObject([
      { type: 'download.fetch-queued', data: { startedFetch: true } },
    ]);
    expect(await entryRow(harness.database.db, expiring)).toMatchObject({ stream_version: '3' });
    harness.clock.now = new Date('2030-01-01T00:00:00.000Z');
  });

  it('deletes raw downloads older than their time to live', async () => {
    await put(harness.objects, 'raw', 'cache-raw/fetch-1/old.webm');
    const sixHoursOn = new Date(Date.now() + 6 * hour + 60_000);
    const report = await runCleanup(cleanupDeps(sixHoursOn));
    expect(report.deletedRawObjects).toBeGreaterThanOrEqual(1);
    expect(await harness.objects.stat('raw', 'cache-raw/fetch-1/old.webm')).toBeNull();

    await put(harness.objects, 'raw', 'cache-raw/fetch-2/new.webm');
    expect(await runCleanup(cleanupDeps(new Date()))).toMatchObject({ deletedRawObjects: 0 });
    expect(await harness.objects.stat('raw', 'cache-raw/fetch-2/new.webm')).not.toBeNull();
  });

  it('keeps a raw download an entry serves until the entry expires, and links to it', async () => {
    // Real time: the raw sweep compares with the objects' last-modified dates in S3.
    const readyAt = new Date();
    harness.clock.now = readyAt;
    const cacheKey = uniqueCacheKey();
    const served = 'cache-adopted/fetch-1/clip.mp4';
    const thumbnail = 'cache-adopted/fetched-1/thumb.jpg';
    const unused = 'cache-adopted/fetch-0/clip.webm';
    await put(harness.objects, 'raw', served);
    await put(harness.objects, 'raw', unused);
    await put(harness.objects, 'media', thumbnail);

    // Over the upload limit: the waiting request gets a link, signed for the raw bucket.
    const linkDeps = harness.deps({ policy: { ...policy, uploadLimitBytes: 1 } });
    await harness.handle(formatSelected(request(), cacheKey), linkDeps);
    const ready = mediaReady(
      {
        bucket: 'raw',
        objectKey: served,
        thumbnailObjectKey: thumbnail,
        sizeBytes: Buffer.byteLength(served),
        occurredAt: readyAt,
      },
      cacheKey,
    );
    await harness.appendAsProducer(ready);
    const [link] = (await harness.handle(ready, linkDeps)).filter((event) =>
      DownloadLinkIssued.is(event),
    );
    const response = await fetch(link!.data.url);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(served);
    // Under the limit, the next request is served from the raw object.
    expect(await harness.handle(formatSelected(request(), cacheKey))).toMatchObject([
      { type: 'download.cache-hit', data: { objectKey: served, bucket: 'raw' } },
    ]);

    // Past RAW_OBJECT_TTL the sweep takes the download nobody serves, not the served one.
    const report = await runCleanup(cleanupDeps(new Date(readyAt.getTime() + 7 * hour)));
    expect(report).toMatchObject({ expiredEntries: 0 });
    expect(report.deletedRawObjects).toBeGreaterThanOrEqual(1);
    expect(await harness.objects.stat('raw', unused)).toBeNull();
    expect(await harness.objects.stat('raw', served)).not.toBeNull();

    // The entry expires: its raw object is scheduled like a media object and outlives the grace
    // period (and the raw sweep) …
    const dayLater = new Date(readyAt.getTime() + 24 * hour);
    expect(await runCleanup(cleanupDeps(dayLater))).toMatchObject({
      expiredEntries: 1,
      deletedObjects: 0,
    });
    expect(await harness.objects.stat('raw', served)).not.toBeNull();
    expect(await harness.objects.stat('media', thumbnail)).not.toBeNull();
    // … then goes, with its thumbnail from the media bucket.
    expect(await runCleanup(cleanupDeps(new Date(dayLater.getTime() + hour)))).toMatchObject({
      deletedObjects: 2,
    });
    expect(await harness.objects.stat('raw', served)).toBeNull();
    expect(await harness.objects.stat('media', thumbnail)).toBeNull();
    harness.clock.now = new Date('2030-01-01T00:00:00.000Z');
  });

  it('runs in one replica at a time', async () => {
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const first = withCleanupLock(harness.database.db, () => held.then(() => 'first'));
    // Wait until the first one holds the lock.
    await expect
      .poll(async () => {
        const { rows } = await harness.database.pool.query<{ n: number }>(
          `select count(*)::int as n from pg_locks
           where locktype = 'advisory' and granted
             and database = (select oid from pg_database where datname = current_database())`,
        );
        return rows[0]?.n;
      })
      .toBe(1);
    expect(await withCleanupLock(harness.database.db, () => Promise.resolve('second'))).toBeNull();
    release();
    expect(await first).toBe('first');
    expect(await withCleanupLock(harness.database.db, () => Promise.resolve('third'))).toBe(
      'third',
    );
  });
});
