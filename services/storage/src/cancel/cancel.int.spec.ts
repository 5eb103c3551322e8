import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cacheStream, requestStream, type Envelope } from '@mediabot/contracts';
import {
  cancelCommand,
  cancelRequested,
  formatSelected,
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

const types = (events: readonly Envelope[]) => events.map((event) => event.type);

describe('cancellations', () => {
  it('cancelling one of two waiters keeps the fetch; the last one abandons it', async () => {
    const cacheKey = uniqueCacheKey();
    const [a, b] = [request(), request()];
    await harness.handle(formatSelected(a, cacheKey));
    await harness.handle(formatSelected(b, cacheKey));

    expect(types(await harness.handle(cancelRequested(a)))).toEqual(['download.cancelled']);
    const last = await harness.handle(cancelRequested(b));
    expect(last).toMatchObject([
      { type: 'download.cancelled', data: { requestId: b.requestId, cacheKey } },
      { type: 'download.fetch-abandoned', streamId: cacheStream(cacheKey), data: { cacheKey } },
    ]);
    expect(await entryRow(harness.database.db, cacheKey)).toMatchObject({ status: 'empty' });
    expect(await harness.handle(cancelRequested(b))).toEqual([]);

    // A new request after the abandonment starts a new fetch, queued after the abandonment.
    const [restarted] = await harness.handle(formatSelected(request(), cacheKey));
    expect(restarted).toMatchObject({ data: { startedFetch: true } });
    expect(Date.parse(restarted!.occurredAt)).toBeGreaterThan(Date.parse(last[1]!.occurredAt));
  });

  it('/cancel cancels every waiting request of the chat, and only those', async () => {
    const [firstKey, secondKey] = [uniqueCacheKey(), uniqueCacheKey()];
    const chatId = 555;
    const mine = [request(chatId), request(chatId)];
    const someoneElse = request(556);
    await harness.handle(formatSelected(mine[0]!, firstKey));
    await harness.handle(formatSelected(someoneElse, firstKey));
    await harness.handle(formatSelected(mine[1]!, secondKey));

    const appended = await harness.handle(cancelCommand(chatId));
    expect(types(appended).sort()).toEqual([
      'download.cancelled',
      'download.cancelled',
      'download.fetch-abandoned',
    ]);
    expect(appended.find((event) => event.type === 'download.fetch-abandoned')?.data).toEqual({
      cacheKey: secondKey,
    });
    const statuses = await requestStatuses(harness.database.db);
    expect(mine.map((ref) => statuses[ref.requestId])).toEqual(['cancelled', 'cancelled']);
    expect(statuses[someoneElse.requestId]).toBe('waiting');
    expect(await harness.handle(cancelCommand(chatId, 2))).toEqual([]);
  });

  it('a request cancelled before its format was chosen never starts a fetch', async () => {
    const cacheKey = uniqueCacheKey();
    const early = request();
    const cancelled = await harness.handle(cancelRequested(early));
    expect(cancelled).toMatchObject([
      {
        type: 'download.cancelled',
        streamId: requestStream(early.requestId),
        data: { requestId: early.requestId, cacheKey: null },
      },
    ]);
    expect(await harness.handle(formatSelected(early, cacheKey))).toEqual([]);
    expect(await harness.readStream(cacheStream(cacheKey))).toEqual([]);
  });
});
