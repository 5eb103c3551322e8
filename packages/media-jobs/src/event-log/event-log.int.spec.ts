import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError, FetchProgressed, type Envelope } from '@mediabot/contracts';
import type { EventStore } from '@mediabot/eventstore';
import { openTestEventStore, progressAt } from '../testing/event-store.ts';
import { appendAtEnd, appendDecided } from './event-log.ts';

let store: EventStore;
let close: (() => Promise<void>) | undefined;

beforeAll(async () => {
  ({ store, close } = await openTestEventStore());
});
afterAll(() => close?.());

const actor = { kind: 'service', id: 'downloader' } as const;
let streamCount = 0;
const freshStream = () => `cache-media-jobs-${(streamCount += 1)}`;

function progressed(streamId: string, percent: number): Envelope {
  return FetchProgressed.create(progressAt(percent), { streamId, actor });
}

const percentsIn = async (streamId: string) =>
  (await store.readStream(streamId)).map(
    (event) => FetchProgressed.parseData(1, event.data).percent,
  );

/** The store, with another writer appending `percent` to the stream right after each of the first `times` reads. */
function contendedStore(percent: number, times: number): EventStore {
  let reads = 0;
  const interfere = async (streamId: string) => {
    reads += 1;
    if (reads <= times) {
      const version = await store.streamVersion(streamId);
      await store.append(streamId, [progressed(streamId, percent)], {
        expectedVersion: version ?? 'no_stream',
      });
    }
  };
  return {
    ...store,
    async readStream(streamId, options) {
      const stream = await store.readStream(streamId, options);
      await interfere(streamId);
      return stream;
    },
    async streamVersion(streamId) {
      const version = await store.streamVersion(streamId);
      await interfere(streamId);
      return version;
    },
  };
}

describe('appendDecided', () => {
  it('appends what the decision returns, at the version it saw', async () => {
    const streamId = freshStream();
    const seen: number[] = [];

    const result = await appendDecided(store, streamId, (stream) => {
      seen.push(stream.length);
      return [progressed(streamId, 10)];
    });

    expect(seen).toEqual([0]);
    expect(result.stream).toEqual([]);
    expect(result.appended).toHaveLength(1);
    expect(await percentsIn(streamId)).toEqual([10]);
  });

  it('appends nothing when the decision is to append nothing, and says what it saw', async () => {
    const streamId = freshStream();
    await store.append(streamId, [progressed(streamId, 5)], { expectedVersion: 'no_stream' });

    const result = await appendDecided(store, streamId, () => []);

    expect(result.appended).toEqual([]);
    expect(result.stream).toHaveLength(1);
    expect(await percentsIn(streamId)).toEqual([5]);
  });

  it('decides again on the stream as it is when someone else appended in between', async () => {
    const streamId = freshStream();
    const seen: number[] = [];

    const result = await appendDecided(contendedStore(50, 1), streamId, (stream) => {
      seen.push(stream.length);
      return [progressed(streamId, 60)];
    });

    expect(seen).toEqual([0, 1]);
    expect(result.stream).toHaveLength(1);
    expect(await percentsIn(streamId)).toEqual([50, 60]);
  });

  it('gives up with a retryable error when the stream keeps changing', async () => {
    const streamId = freshStream();

    const failure = await appendDecided(
      contendedStore(1, 3),
      streamId,
      () => [progressed(streamId, 99)],
      3,
    ).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(AppError);
    expect(failure).toMatchObject({ code: 'stream_contended', retryable: true });
    expect(await percentsIn(streamId)).toEqual([1, 1, 1]);
  });
});

describe('appendAtEnd', () => {
  it('appends after whatever the stream holds, starting it when absent', async () => {
    const streamId = freshStream();

    await appendAtEnd(store, streamId, [progressed(streamId, 10)]);
    await appendAtEnd(store, streamId, [progressed(streamId, 20)]);

    expect(await percentsIn(streamId)).toEqual([10, 20]);
  });

  it('tries again at the new end when someone else appended in between', async () => {
    const streamId = freshStream();

    await appendAtEnd(contendedStore(30, 2), streamId, [progressed(streamId, 40)]);

    expect(await percentsIn(streamId)).toEqual([30, 30, 40]);
  });

  it('gives the conflict back when the stream keeps changing', async () => {
    const streamId = freshStream();

    const failure = await appendAtEnd(
      contendedStore(1, 2),
      streamId,
      [progressed(streamId, 99)],
      2,
    ).catch((error: unknown) => error);

    expect(failure).toMatchObject({ code: 'wrong_expected_version' });
    expect(await percentsIn(streamId)).toEqual([1, 1]);
  });
});
