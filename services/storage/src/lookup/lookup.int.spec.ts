import { Kysely, PostgresDialect } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cacheStream, FetchProgressed, FetchQueued, type Envelope } from '@mediabot/contracts';
import type { AnyDatabase } from '@mediabot/eventstore';
import {
  delivered,
  fetchFailed,
  formatSelected,
  mediaReady,
  request,
  uniqueCacheKey,
} from '../cache/fixtures.ts';
import {
  entryRow,
  requestStatuses,
  startStorageHarness,
  type StorageHarness,
} from '../testing/storage-harness.ts';

let harness: StorageHarness;
let secondReplica: AnyDatabase;

beforeAll(async () => {
  harness = await startStorageHarness();
  secondReplica = new Kysely({
    dialect: new PostgresDialect({
      pool: harness.database.openPool(6),
    }),
  });
});
afterAll(async () => {
  await secondReplica.destroy();
  await harness.close();
});

const types = (events: readonly Envelope[]) => events.map((event) => event.type);

function progressed(cacheKey: string) {
  return FetchProgressed.create(
    {
      cacheKey,
      stage: 'downloading',
      percent: 10,
      downloadedBytes: 1,
      totalBytes: 10,
      speedBytesPerSecond: 1,
      etaSeconds: 9,
    },
    { streamId: cacheStream(cacheKey), actor: { kind: 'service', id: 'downloader' } },
  );
}

/** Takes a request through a fetch to delivery; returns the file id Telegram gave. */
async function cacheByDelivery(cacheKey: string, fileId: string) {
  const first = request();
  await harness.handle(formatSelected(first, cacheKey));
  const ready = mediaReady({ occurredAt: harness.clock.now }, cacheKey);
  await harness.appendAsProducer(ready);
  await harness.handle(ready);
  await harness.handle(delivered(first, fileId, cacheKey));
  return first;
}

describe('format selected → cache lookup', () => {
  it('20 simultaneous requests on two replicas start exactly one fetch; 19 join it', async () => {
    const cacheKey = uniqueCacheKey();
    const requests = Array.from({ length: 20 }, (_, index) => request(1000 + index));
    const outcomes = await Promise.all(
      requests.map((ref, index) =>
        harness.handle(
          formatSelected(ref, cacheKey),
          harness.deps(),
          index % 2 === 0 ? harness.database.db : secondReplica,
        ),
      ),
    );

    const queued = outcomes.flat().filter((event) => FetchQueued.is(event));
    expect(queued).toHaveLength(20);
    const started = queued.filter((event) => FetchQueued.is(event) && event.data.startedFetch);
    expect(started).toHaveLength(1);

    const stream = await harness.readStream(cacheStream(cacheKey));
    expect(stream.map((event) => event.type)).toEqual(Array(20).fill('download.fetch-queued'));
    expect(
      stream.filter((event) => (event.data as { startedFetch: boolean }).startedFetch),
    ).toHaveLength(1);
    expect(await entryRow(harness.database.db, cacheKey)).toMatchObject({
      status: 'fetching',
      stream_version: '20',
    });
    const statuses = await requestStatuses(harness.database.db);
    expect(requests.map((ref) => statuses[ref.requestId])).toEqual(Array(20).fill('waiting'));
  });

  it('serves the next request from the cache once a delivery recorded the file id', async () => {
    const cacheKey = uniqueCacheKey();
    await cacheByDelivery(cacheKey, 'FILE-ID-1');

    const next = request(7);
    const appended = await harness.handle(formatSelected(next, cacheKey));
    expect(appended).toHaveLength(1);
    expect(appended[0]).toMatchObject({
      type: 'download.cache-hit',
      streamId: cacheStream(cacheKey),
      data: {
        requestId: next.requestId,
        telegramFileId: 'FILE-ID-1',
        objectKey: 'media/video.mp4',
      },
    });
    expect(await entryRow(harness.database.db, cacheKey)).toMatchObject({ hits: 1 });
  });

  it('keeps an entry one day, seven days after more than 100 hits (injected clock)', async () => {
    const readyAt = new Date('2030-02-01T00:00:00.000Z');
    harness.clock.now = readyAt;
    const cacheKey = uniqueCacheKey();
    await cacheByDelivery(cacheKey, 'FILE-TTL');

    harness.clock.now = new Date(readyAt.getTime() + 23 * 3_600_000);
    expect(types(await harness.handle(formatSelected(request(), cacheKey)))).toEqual([
      'download.cache-hit',
    ]);
    harness.clock.now = new Date(readyAt.getTime() + 24 * 3_600_000);
    const expired = await harness.handle(formatSelected(request(), cacheKey));
    expect(expired).toMatchObject([
      { type: 'download.fetch-queued', data: { startedFetch: true } },
    ]);

    // Popular: the same media again, delivered 101 times.
    harness.clock.now = readyAt;
    const popularKey = uniqueCacheKey();
    await cacheByDelivery(popularKey, 'FILE-POPULAR');
    for (let hit = 0; hit < 100; hit += 1) {
      await harness.handle(delivered(request(), 'FILE-POPULAR', popularKey));
    }
    expect(await entryRow(harness.database.db, popularKey)).toMatchObject({ hits: 101 });
    harness.clock.now = new Date(readyAt.getTime() + 6 * 24 * 3_600_000);
    expect(types(await harness.handle(formatSelected(request(), popularKey)))).toEqual([
      'download.cache-hit',
    ]);
    harness.clock.now = new Date(readyAt.getTime() + 7 * 24 * 3_600_000);
    expect(await harness.handle(formatSelected(request(), popularKey))).toMatchObject([
      { type: 'download.fetch-queued', data: { startedFetch: true } },
    ]);
    harness.clock.now = new Date('2030-01-01T00:00:00.000Z');
  });

  it('duplicate deliveries change nothing', async () => {
    const cacheKey = uniqueCacheKey();
    const first = await cacheByDelivery(cacheKey, 'FILE-DUP');
    const before = await entryRow(harness.database.db, cacheKey);
    await harness.handle(delivered(first, 'FILE-DUP', cacheKey));
    await harness.handle(delivered(first, 'ANOTHER-ID', cacheKey));
    expect(await entryRow(harness.database.db, cacheKey)).toEqual(before);
    expect(before).toMatchObject({ hits: 1, telegram_file_id: 'FILE-DUP' });
  });

  it('a request is answered once, however often its format selection arrives', async () => {
    const cacheKey = uniqueCacheKey();
    const ref = request();
    expect(types(await harness.handle(formatSelected(ref, cacheKey)))).toEqual([
      'download.fetch-queued',
    ]);
    expect(await harness.handle(formatSelected(ref, cacheKey))).toEqual([]);
  });

  it('folds what others appended to the entry stream before deciding', async () => {
    const cacheKey = uniqueCacheKey();
    const first = request();
    const [started] = await harness.handle(formatSelected(first, cacheKey));
    await harness.appendAsProducer(progressed(cacheKey));
    // The downloader's failure reached the stream; its message has not reached us yet.
    await harness.appendAsProducer(fetchFailed(started, 'removed', cacheKey));

    const second = request();
    expect(await harness.handle(formatSelected(second, cacheKey))).toMatchObject([
      { type: 'download.fetch-queued', data: { startedFetch: true } },
    ]);
    const statuses = await requestStatuses(harness.database.db);
    expect(statuses[first.requestId]).toBe('dropped');
    expect(await entryRow(harness.database.db, cacheKey)).toMatchObject({ stream_version: '4' });
  });

  it('decides again when the stream moves between its read and its append', async () => {
    const cacheKey = uniqueCacheKey();
    let interruptions = 0;
    const deps = harness.deps({
      beforeAppend: async () => {
        if (interruptions++ === 0) await harness.appendAsProducer(progressed(cacheKey));
      },
    });
    const appended = await harness.handle(formatSelected(request(), cacheKey), deps);
    expect(types(appended)).toEqual(['download.fetch-queued']);
    expect(interruptions).toBe(2);
    expect((await harness.readStream(cacheStream(cacheKey))).map((e) => e.type)).toEqual([
      'download.fetch-progressed',
      'download.fetch-queued',
    ]);
  });

  it('gives the message back (retryable) when the stream keeps moving', async () => {
    const cacheKey = uniqueCacheKey();
    const deps = harness.deps({
      beforeAppend: () => harness.appendAsProducer(progressed(cacheKey)),
    });
    await expect(harness.handle(formatSelected(request(), cacheKey), deps)).rejects.toMatchObject({
      code: 'cache_entry_contended',
      retryable: true,
    });
    // Nothing of storage's landed; the projection is as if the message never came.
    const stream = await harness.readStream(cacheStream(cacheKey));
    expect(stream.every((event) => event.type === 'download.fetch-progressed')).toBe(true);
    expect(await entryRow(harness.database.db, cacheKey)).toBeNull();
  });
});
