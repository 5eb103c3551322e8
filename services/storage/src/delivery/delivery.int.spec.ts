import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cacheStream, DownloadLinkIssued, type Envelope } from '@mediabot/contracts';
import {
  delivered,
  fetchFailed,
  fileIdRejected,
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

let harness: StorageHarness;

beforeAll(async () => {
  harness = await startStorageHarness();
});
afterAll(async () => {
  await harness.close();
});

/** GETs a link from the embedded S3 (whatever host it names). */
async function download(url: string): Promise<{ status: number; body: Buffer }> {
  const response = await fetch(url);
  return { status: response.status, body: Buffer.from(await response.arrayBuffer()) };
}

describe('entry events', () => {
  it('file id rejected → evicted, and that request starts a new fetch', async () => {
    const cacheKey = uniqueCacheKey();
    const first = request();
    await harness.handle(formatSelected(first, cacheKey));
    const ready = mediaReady({ occurredAt: harness.clock.now }, cacheKey);
    await harness.appendAsProducer(ready);
    await harness.handle(ready);
    await harness.handle(delivered(first, 'FILE-OLD', cacheKey));

    const second = request();
    expect(await harness.handle(formatSelected(second, cacheKey))).toMatchObject([
      { type: 'download.cache-hit', data: { telegramFileId: 'FILE-OLD' } },
    ]);
    const refetch = await harness.handle(fileIdRejected(second, 'FILE-OLD', cacheKey));
    expect(refetch).toMatchObject([
      {
        type: 'download.fetch-queued',
        streamId: cacheStream(cacheKey),
        data: {
          requestId: second.requestId,
          startedFetch: true,
          url: 'https://www.youtube.com/watch?v=dQw4w9WgXcQ',
        },
      },
    ]);
    expect(await entryRow(harness.database.db, cacheKey)).toMatchObject({
      status: 'fetching',
      telegram_file_id: null,
    });
    // Others now join the new fetch instead of getting the refused file id.
    expect(await harness.handle(formatSelected(request(), cacheKey))).toMatchObject([
      { type: 'download.fetch-queued', data: { startedFetch: false } },
    ]);
    // The same rejection again starts nothing more.
    expect(await harness.handle(fileIdRejected(second, 'FILE-OLD', cacheKey))).toEqual([]);
  });

  it('fetch failed → the entry is empty again and its waiting requests are dropped', async () => {
    const cacheKey = uniqueCacheKey();
    const [a, b] = [request(), request()];
    const [started] = await harness.handle(formatSelected(a, cacheKey));
    await harness.handle(formatSelected(b, cacheKey));
    const failed = fetchFailed(started, 'removed', cacheKey);
    await harness.appendAsProducer(failed);
    expect(await harness.handle(failed)).toEqual([]);

    const statuses = await requestStatuses(harness.database.db);
    expect([statuses[a.requestId], statuses[b.requestId]]).toEqual(['dropped', 'dropped']);
    expect(await entryRow(harness.database.db, cacheKey)).toMatchObject({ status: 'empty' });
    expect(await harness.handle(formatSelected(request(), cacheKey))).toMatchObject([
      { type: 'download.fetch-queued', data: { startedFetch: true } },
    ]);
  });

  describe('over the upload limit', () => {
    const content = randomBytes(4096);
    const smallLimit = { ...policy, uploadLimitBytes: 1000 };

    async function storeOversizeFile(cacheKey: string, objectKey: string) {
      await harness.objects.putStream('media', objectKey, Readable.from([content]), {
        contentType: 'video/mp4',
        sizeBytes: content.length,
      });
      return mediaReady(
        { objectKey, sizeBytes: content.length, occurredAt: harness.clock.now },
        cacheKey,
      );
    }

    it('links every waiting request; the link downloads the file, then expires', async () => {
      const deps = harness.deps({ policy: smallLimit, linkTtlSeconds: 120 });
      const cacheKey = uniqueCacheKey();
      const [a, b] = [request(), request()];
      await harness.handle(formatSelected(a, cacheKey), deps);
      await harness.handle(formatSelected(b, cacheKey), deps);
      harness.clock.now = new Date();
      const ready = await storeOversizeFile(cacheKey, 'media/oversize/one.mp4');
      await harness.appendAsProducer(ready);

      const links = await harness.handle(ready, deps);
      expect(links.map((event) => event.type)).toEqual([
        'download.link-issued',
        'download.link-issued',
      ]);
      const issued = links.filter((event) => DownloadLinkIssued.is(event));
      expect(issued.map((event) => event.data.requestId).sort()).toEqual(
        [a.requestId, b.requestId].sort(),
      );
      const link = issued[0]!.data;
      expect(link).toMatchObject({ sizeBytes: content.length, cacheKey });
      expect(Date.parse(link.expiresAt)).toBe(
        Math.floor(harness.clock.now.getTime() / 1000) * 1000 + 120_000,
      );

      const fetched = await download(link.url);
      expect(fetched.status).toBe(200);
      expect(fetched.body.equals(content)).toBe(true);

      harness.s3Clock.now = new Date(Date.parse(link.expiresAt) + 1);
      expect((await download(link.url)).status).toBe(403);
      harness.s3Clock.now = null;

      // Nobody waits any more; a later request for the same file gets a link straight away.
      const statuses = await requestStatuses(harness.database.db);
      expect([statuses[a.requestId], statuses[b.requestId]]).toEqual(['linked', 'linked']);
      expect(await harness.handle(ready, deps)).toEqual([]);
      const late = await harness.handle(formatSelected(request(), cacheKey), deps);
      expect(late.map((event: Envelope) => event.type)).toEqual(['download.link-issued']);
      harness.clock.now = new Date('2030-01-01T00:00:00.000Z');
    });
  });
});
