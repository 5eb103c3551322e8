import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FetchProgressed, uuidv7 } from '@mediabot/contracts';
import type { EventStore } from '@mediabot/eventstore';
import { openTestEventStore, progressAt } from '../testing/event-store.ts';
import { createProgressReporter } from './progress-reporter.ts';

let store: EventStore;
let close: (() => Promise<void>) | undefined;

beforeAll(async () => {
  ({ store, close } = await openTestEventStore());
});
afterAll(() => close?.());

const actor = { kind: 'service', id: 'transcoder' } as const;
const cause = {
  eventId: uuidv7(),
  correlationId: uuidv7(),
  traceContext: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
};
let streamCount = 0;

const at = (percent: number) => progressAt(percent, 'converting');

/** A reporter on a stream of its own, with a clock the test moves. */
function setUp(options: { store?: EventStore } = {}) {
  streamCount += 1;
  const streamId = `cache-progress-${streamCount}`;
  const clock = { ms: Date.UTC(2030, 0, 1) };
  const errors: unknown[] = [];
  const reporter = createProgressReporter({
    store: options.store ?? store,
    streamId,
    cause,
    actor,
    intervalMs: 1_000,
    now: () => new Date(clock.ms),
    onError: (error) => errors.push(error),
  });
  const percents = async () =>
    (await store.readStream(streamId)).map(
      (event) => FetchProgressed.parseData(event.version, event.data).percent,
    );
  return { streamId, clock, errors, reporter, percents };
}

/** The store, with appends held until the test opens the gate. */
function gatedStore() {
  let open = () => {};
  const gate = new Promise<void>((resolve) => (open = resolve));
  const gated: EventStore = {
    ...store,
    async append(...args) {
      await gate;
      return store.append(...args);
    },
  };
  return { store: gated, open };
}

describe('createProgressReporter', () => {
  it('appends a fetch-progressed caused by the job’s message, at the clock’s time', async () => {
    const { streamId, clock, reporter } = setUp();

    reporter.report(at(10));
    await reporter.flush();

    const [event] = await store.readStream(streamId);
    expect(event).toMatchObject({
      type: FetchProgressed.type,
      actor,
      causationId: cause.eventId,
      correlationId: cause.correlationId,
      traceContext: cause.traceContext,
      occurredAt: new Date(clock.ms).toISOString(),
      data: at(10),
    });
  });

  it('lets one report through per interval', async () => {
    const { clock, reporter, percents } = setUp();
    const start = clock.ms;

    for (const [elapsedMs, percent] of [
      [0, 10],
      [500, 20],
      [999, 30],
      [1_000, 40],
      [1_500, 50],
    ] as const) {
      clock.ms = start + elapsedMs;
      reporter.report(at(percent));
      await reporter.flush();
    }

    expect(await percents()).toEqual([10, 40]);
  });

  it('reports now within the interval', async () => {
    const { clock, reporter, percents } = setUp();

    reporter.report(at(10));
    await reporter.flush();
    clock.ms += 600;
    reporter.reportNow(at(100));
    await reporter.flush();

    expect(await percents()).toEqual([10, 100]);
  });

  it('starts a new interval with a report made now after the last one ended', async () => {
    const { clock, reporter, percents } = setUp();

    reporter.report(at(10));
    await reporter.flush();
    clock.ms += 1_500;
    reporter.reportNow(at(100));
    await reporter.flush();
    clock.ms += 600;
    reporter.report(at(5));
    await reporter.flush();

    expect(await percents()).toEqual([10, 100]);
  });

  it('drops reports while the previous one is still being written', async () => {
    const gated = gatedStore();
    const { clock, reporter, percents } = setUp({ store: gated.store });

    reporter.report(at(10));
    clock.ms += 5_000;
    reporter.report(at(20));
    reporter.reportNow(at(30));
    gated.open();
    await reporter.flush();

    expect(await percents()).toEqual([10]);
  });

  it('hands a failed write to onError, never to the job, and keeps reporting', async () => {
    const failure = new Error('event store unavailable');
    let failing = true;
    const flaky: EventStore = {
      ...store,
      append: (...args) => (failing ? Promise.reject(failure) : store.append(...args)),
    };
    const { clock, errors, reporter, percents } = setUp({ store: flaky });

    reporter.report(at(10));
    await reporter.flush();
    failing = false;
    clock.ms += 1_000;
    reporter.report(at(20));
    await reporter.flush();

    expect(errors).toEqual([failure]);
    expect(await percents()).toEqual([20]);
  });

  it('flushes at once when nothing is being written', async () => {
    const { reporter } = setUp();

    await expect(reporter.flush()).resolves.toBeUndefined();
  });
});
