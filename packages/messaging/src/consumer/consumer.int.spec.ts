import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { context, propagation, trace, type TextMapPropagator } from '@opentelemetry/api';
import { AppError, UserRegistered } from '@mediabot/contracts';
import {
  createTestDatabase,
  createTestVhost,
  type TestDatabase,
  type TestVhost,
} from '@mediabot/testing';
import { topologyNames } from '../topology/names.ts';
import {
  asyncContextManager,
  countingHandler,
  createCountsTable,
  inboxSize,
  openTestBroker,
  readCounts,
  recordingLogger,
  userRegistered,
  waitUntil,
  type TestBroker,
} from '../testing/fixtures.ts';
import {
  startConsumer,
  type Consumer,
  type ConsumerOptions,
  type DeliveryInfo,
} from './consumer.ts';
import { ensureInbox } from './inbox.ts';
import type { HandlingObserver } from './observer.ts';

const prefix = 'ct';
const schema = 'svc';
const names = topologyNames(prefix);

let vhost: TestVhost;
let database: TestDatabase;
let broker: TestBroker;
const running: Consumer[] = [];

beforeAll(async () => {
  [vhost, database] = await Promise.all([createTestVhost(), createTestDatabase()]);
  await ensureInbox(database.db, schema);
  await createCountsTable(database.db, schema);
  broker = await openTestBroker(vhost.url);
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((consumer) => consumer.stop()));
});

afterAll(async () => {
  await broker?.close();
  await Promise.all([vhost?.remove(), database?.drop()]);
});

async function start(
  options: Partial<ConsumerOptions> & Pick<ConsumerOptions, 'consumer'>,
): Promise<Consumer> {
  const consumer = startConsumer({
    amqp: vhost.url,
    prefix,
    bindings: [UserRegistered.type],
    db: database.db,
    inboxSchema: schema,
    handler: countingHandler(schema),
    retryDelaysMs: [50, 100],
    maxAttempts: 3,
    ...options,
  });
  running.push(consumer);
  await consumer.ready();
  return consumer;
}

function observing(): HandlingObserver & { events: { kind: string; info: object }[] } {
  const events: { kind: string; info: object }[] = [];
  return {
    events,
    handled: (info) => events.push({ kind: 'handled', info }),
    failed: (info) => events.push({ kind: 'failed', info }),
    deadLettered: (info) => events.push({ kind: 'deadLettered', info }),
  };
}

describe('startConsumer', () => {
  it('declares its quorum queue, dead-letter queue and wait queues, and reports readiness', async () => {
    const consumer = await start({ consumer: 'topology' });
    expect(consumer.isConnected()).toBe(true);
    const queues = names.consumer('topology');
    for (const queue of [
      queues.queue,
      queues.deadLetterQueue,
      queues.retryQueue(50),
      queues.retryQueue(100),
    ]) {
      await expect(broker.channel.checkQueue(queue)).resolves.toMatchObject({ queue });
    }
    await consumer.stop();
    expect(consumer.isConnected()).toBe(false);
  });

  it('handles each event once: a duplicate delivery is skipped thanks to the inbox', async () => {
    const logger = recordingLogger();
    const observer = observing();
    await start({ consumer: 'dedup', logger, observer });
    const [first, second] = [userRegistered(), userRegistered()];
    await broker.publishEvent(names.eventExchange, first);
    await broker.publishEvent(names.eventExchange, first);
    await broker.publishEvent(names.eventExchange, second);

    await waitUntil(
      () => logger.lines.some((line) => line.message.startsWith('Duplicate message skipped')),
      'the duplicate',
    );
    await waitUntil(() => observer.events.length === 2, 'both events handled');
    const counts = await readCounts(database.db, schema);
    expect(counts.get(first.eventId)).toBe(1);
    expect(counts.get(second.eventId)).toBe(1);
    expect(await inboxSize(database.db, schema, 'dedup')).toBe(2);
    expect(observer.events[0]).toMatchObject({
      kind: 'handled',
      info: { consumer: 'dedup', type: UserRegistered.type },
    });
  });

  it('retries a failing handler through the TTL wait queues, then dead-letters it with its reason', async () => {
    const deliveries: DeliveryInfo[] = [];
    const observer = observing();
    const failing = countingHandler(schema);
    await start({
      consumer: 'flaky',
      observer,
      handler: async (message, handlerContext) => {
        deliveries.push(handlerContext.delivery);
        await failing(message, handlerContext); // written, then rolled back with the inbox row
        throw new AppError('downstream_down', 'the downstream service is down', {
          retryable: true,
        });
      },
    });
    const event = userRegistered();
    await broker.publishEvent(names.eventExchange, event, 77n);
    const queues = names.consumer('flaky');

    const [dead] = await broker.collect(queues.deadLetterQueue, 1);

    expect(deliveries.map((delivery) => delivery.attempt)).toEqual([1, 2, 3]);
    expect(deliveries.every((delivery) => !delivery.redelivered)).toBe(true);
    expect(deliveries[0]).toMatchObject({
      routingKey: UserRegistered.type,
      globalPosition: 77n,
      messageId: event.eventId,
    });
    expect(deliveries[1]?.routingKey).toBe(queues.queue); // came back from a wait queue, not a requeue
    const headers = dead?.properties.headers as Record<string, unknown>;
    expect(headers).toMatchObject({
      'x-mediabot-error-code': 'downstream_down',
      'x-mediabot-attempt': 3,
      'x-mediabot-consumer': 'flaky',
      'x-mediabot-original-routing-key': UserRegistered.type,
    });
    expect(String(headers['x-mediabot-error-message'])).toContain('Gave up after 3 attempts');
    const deaths = (headers['x-death'] as { queue: string; reason: string; count: number }[]).map(
      ({ queue, reason, count }) => ({ queue, reason, count }),
    );
    expect(deaths).toEqual(
      expect.arrayContaining([
        { queue: queues.retryQueue(50), reason: 'expired', count: 1 },
        { queue: queues.retryQueue(100), reason: 'expired', count: 1 },
      ]),
    );
    expect(dead?.properties.messageId).toBe(event.eventId);
    expect((await readCounts(database.db, schema)).has(event.eventId)).toBe(false);
    expect(await inboxSize(database.db, schema, 'flaky')).toBe(0);
    expect(observer.events.map((entry) => entry.kind)).toEqual([
      'failed',
      'failed',
      'failed',
      'deadLettered',
    ]);
    expect(observer.events[0]?.info).toMatchObject({ code: 'downstream_down', willRetry: true });
    expect(observer.events[2]?.info).toMatchObject({ willRetry: false });
  });

  it('dead-letters a non-retryable failure at once', async () => {
    let calls = 0;
    await start({
      consumer: 'strict',
      handler: () => {
        calls += 1;
        return Promise.reject(
          new AppError('user_blocked', 'the user blocked the bot', { retryable: false }),
        );
      },
    });
    await broker.publishEvent(names.eventExchange, userRegistered());
    const [dead] = await broker.collect(names.consumer('strict').deadLetterQueue, 1);
    expect(dead?.properties.headers).toMatchObject({
      'x-mediabot-error-code': 'user_blocked',
      'x-mediabot-attempt': 1,
    });
    expect(calls).toBe(1);
  });

  it('sends a message that breaks its contract straight to the dead-letter queue with the reason', async () => {
    let calls = 0;
    const observer = observing();
    await start({
      consumer: 'contract',
      observer,
      handler: () => {
        calls += 1;
        return Promise.resolve();
      },
    });
    const invalid = { ...userRegistered(), data: { telegramUserId: -5 } };
    await broker.publishEvent(names.eventExchange, invalid);
    await broker.publishRaw(names.eventExchange, UserRegistered.type, Buffer.from('{not json'), {
      type: UserRegistered.type,
    });

    const all = await broker.collect(names.consumer('contract').deadLetterQueue, 2);

    const codes = all.map(
      (message) => (message.properties.headers as Record<string, unknown>)['x-mediabot-error-code'],
    );
    expect(codes).toEqual(['invalid_payload', 'invalid_payload']);
    const reasons = all.map((message) =>
      String((message.properties.headers as Record<string, unknown>)['x-mediabot-error-message']),
    );
    expect(reasons[0]).toContain('identity.user-registered v2');
    expect(reasons[1]).toContain('not JSON');
    expect(calls).toBe(0);
    expect(observer.events.filter((entry) => entry.kind === 'deadLettered')).toHaveLength(2);
  });

  it('runs the handler in the trace carried by the message', async () => {
    propagation.setGlobalPropagator(traceparentOnly);
    context.setGlobalContextManager(asyncContextManager());
    try {
      let seen: string | undefined;
      await start({
        consumer: 'traced',
        handler: () => {
          seen = trace.getSpanContext(context.active())?.traceId;
          return Promise.resolve();
        },
      });
      const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
      const event = UserRegistered.create(
        {
          telegramUserId: 999,
          username: null,
          firstName: null,
          languageCode: 'fr',
          registeredVia: 'import',
        },
        {
          streamId: 'user-999',
          actor: { kind: 'system', id: 'test' },
          traceContext: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
        },
      );
      await broker.publishEvent(names.eventExchange, event);
      expect(await waitUntil(() => seen, 'the handler')).toBe(traceId);
    } finally {
      propagation.disable();
      context.disable();
    }
  });

  it('stops after the running handler finishes and leaves the other messages queued', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    let started = 0;
    const count = countingHandler(schema);
    const consumer = await start({
      consumer: 'graceful',
      prefetch: 5,
      handler: async (message, handlerContext) => {
        started += 1;
        await gate;
        await count(message, handlerContext);
      },
    });
    const events = [userRegistered(), userRegistered(), userRegistered()];
    for (const event of events) await broker.publishEvent(names.eventExchange, event);
    await waitUntil(() => started === 1, 'the first handler');

    const stopped = consumer.stop();
    release();
    await stopped;

    expect(started).toBe(1);
    expect((await readCounts(database.db, schema)).get(events[0]?.eventId ?? '')).toBe(1);
    const remaining = await broker.drain(names.consumer('graceful').queue);
    expect(remaining.map((message) => message.properties.messageId as string)).toEqual([
      events[1]?.eventId,
      events[2]?.eventId,
    ]);
  });
});

describe('startConsumer settling deliveries in batches', () => {
  /** Declares the consumer's queue, then leaves messages waiting in it for the next start. */
  async function queueUp(consumer: string, events: readonly ReturnType<typeof userRegistered>[]) {
    await (await start({ consumer })).stop();
    for (const event of events) await broker.publishEvent(names.eventExchange, event);
  }

  /** Counts each message and records the transaction it ran in. */
  function recordingTransactions(transactions: string[]): ConsumerOptions['handler'] {
    const count = countingHandler(schema);
    return async (message, handlerContext) => {
      const { rows } = await sql<{ id: string }>`select txid_current()::text as id`.execute(
        handlerContext.trx,
      );
      transactions.push(rows[0]!.id);
      await count(message, handlerContext);
    };
  }

  it('settles queued deliveries in a few transactions, each message once, all acknowledged', async () => {
    const events = Array.from({ length: 40 }, () => userRegistered());
    await queueUp('batched', events);
    const transactions: string[] = [];
    const observer = observing();
    await start({
      consumer: 'batched',
      prefetch: 40,
      batchSize: 20,
      observer,
      handler: recordingTransactions(transactions),
    });
    await waitUntil(() => observer.events.length === 40, 'every message handled');

    const counts = await readCounts(database.db, schema);
    expect(events.map((event) => counts.get(event.eventId))).toEqual(events.map(() => 1));
    expect(await inboxSize(database.db, schema, 'batched')).toBe(40);
    const distinct = new Set(transactions).size;
    expect(distinct).toBeGreaterThanOrEqual(2); // at most 20 per transaction
    expect(distinct).toBeLessThan(20);
    await waitUntil(
      async () =>
        (await broker.channel.checkQueue(names.consumer('batched').queue)).messageCount === 0,
      'the queue emptied',
    );
    await Promise.all(running.splice(0).map((consumer) => consumer.stop()));
    expect(await broker.drain(names.consumer('batched').queue)).toEqual([]);
  });

  it('settles one delivery per transaction when it runs several at once and no batch size is given', async () => {
    const events = Array.from({ length: 12 }, () => userRegistered());
    await queueUp('concurrent', events);
    const transactions: string[] = [];
    const observer = observing();
    await start({
      consumer: 'concurrent',
      prefetch: 12,
      concurrency: 3,
      observer,
      handler: recordingTransactions(transactions),
    });
    await waitUntil(() => observer.events.length === 12, 'every message handled');
    expect(new Set(transactions).size).toBe(12);
    await Promise.all(running.splice(0).map((consumer) => consumer.stop()));
  });

  it('keeps the order of the queue within and across batches', async () => {
    const events = Array.from({ length: 30 }, () => userRegistered());
    await queueUp('ordered', events);
    const seen: string[] = [];
    const count = countingHandler(schema);
    await start({
      consumer: 'ordered',
      prefetch: 30,
      batchSize: 8,
      handler: async (message, handlerContext) => {
        seen.push(message.eventId);
        await count(message, handlerContext);
      },
    });
    await waitUntil(async () => (await inboxSize(database.db, schema, 'ordered')) === 30, 'all');
    expect(seen).toEqual(events.map((event) => event.eventId));
  });

  it('settles a batch holding a failing message one by one: the others once, the failing one retried then dead-lettered', async () => {
    const events = Array.from({ length: 10 }, () => userRegistered());
    const poison = events[4]!;
    await queueUp('poisoned', events);
    const count = countingHandler(schema);
    const observer = observing();
    await start({
      consumer: 'poisoned',
      prefetch: 10,
      batchSize: 10,
      observer,
      handler: async (message, handlerContext) => {
        await count(message, handlerContext);
        if (message.eventId === poison.eventId)
          throw new AppError('broken', 'this one always fails', { retryable: true });
      },
    });
    const [deadLettered] = await broker.collect(names.consumer('poisoned').deadLetterQueue, 1);
    expect(deadLettered?.properties.messageId).toBe(poison.eventId);

    const counts = await readCounts(database.db, schema);
    for (const event of events)
      expect(counts.get(event.eventId)).toBe(event === poison ? undefined : 1);
    expect(await inboxSize(database.db, schema, 'poisoned')).toBe(9);
    expect(observer.events.filter((event) => event.kind === 'handled')).toHaveLength(9);
    expect(observer.events.filter((event) => event.kind === 'failed')).toHaveLength(3);
  });

  it('runs a message delivered twice within one batch once', async () => {
    const [gate, event, other] = [userRegistered(), userRegistered(), userRegistered()];
    const transactions = new Map<string, string[]>();
    const count = countingHandler(schema);
    const logger = recordingLogger();
    let gateStarted = false;
    let openGate: () => void = () => {};
    const gateOpen = new Promise<void>((resolve) => (openGate = resolve));
    await start({
      consumer: 'twice',
      prefetch: 10,
      logger,
      handler: async (message, handlerContext) => {
        if (message.eventId === gate.eventId) {
          gateStarted = true;
          await gateOpen;
        }
        const { rows } = await sql<{ id: string }>`select txid_current()::text as id`.execute(
          handlerContext.trx,
        );
        transactions.set(message.eventId, [
          ...(transactions.get(message.eventId) ?? []),
          rows[0]!.id,
        ]);
        await count(message, handlerContext);
      },
    });
    // The gate's batch runs alone; the next three deliveries wait behind it and form one batch.
    await broker.publishEvent(names.eventExchange, gate);
    await waitUntil(() => gateStarted, 'the gate handler');
    for (const message of [event, event, other])
      await broker.publishEvent(names.eventExchange, message);
    await waitUntil(
      async () =>
        (await broker.channel.checkQueue(names.consumer('twice').queue)).messageCount === 0,
      'all three delivered to the consumer',
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    openGate();

    await waitUntil(
      () => logger.lines.some((line) => line.message.startsWith('Duplicate message skipped')),
      'the duplicate',
    );
    await waitUntil(async () => (await inboxSize(database.db, schema, 'twice')) === 3, 'all');
    const counts = await readCounts(database.db, schema);
    expect(counts.get(event.eventId)).toBe(1);
    expect(counts.get(other.eventId)).toBe(1);
    expect(transactions.get(event.eventId)).toHaveLength(1);
    expect(transactions.get(event.eventId)).toEqual(transactions.get(other.eventId));
  });

  it('refuses a batch size that is not a positive integer', () => {
    expect(() =>
      startConsumer({
        amqp: vhost.url,
        consumer: 'bad-batch',
        bindings: [UserRegistered.type],
        db: database.db,
        inboxSchema: schema,
        handler: countingHandler(schema),
        batchSize: 0,
      }),
    ).toThrow(/Batch size 0/);
  });
});

/** The W3C traceparent header only: enough to check that the consumer extracts the context. */
const traceparentOnly: TextMapPropagator = {
  inject: () => {},
  fields: () => ['traceparent'],
  extract(activeContext, carrier, getter) {
    const header = getter.get(carrier, 'traceparent');
    const match =
      typeof header === 'string'
        ? /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/.exec(header)
        : null;
    if (!match) return activeContext;
    return trace.setSpanContext(activeContext, {
      traceId: match[1] ?? '',
      spanId: match[2] ?? '',
      traceFlags: 1,
      isRemote: true,
    });
  },
};

describe('startConsumer with a long-running handler', () => {
  it('runs the work outside any transaction, records the inbox after it, and skips a duplicate', async () => {
    const logger = recordingLogger();
    const runs: string[] = [];
    let transactionOpen: boolean | undefined;
    await start({
      consumer: 'long',
      logger,
      handler: undefined,
      longRunningHandler: async (message, { db, signal }) => {
        const { rows } = await sql<{ open: boolean }>`
          select exists (select 1 from pg_stat_activity
            where datname = current_database() and backend_xid is not null) as open`.execute(db);
        transactionOpen = rows[0]?.open;
        expect(signal.aborted).toBe(false);
        runs.push(message.eventId);
      },
    });
    const event = userRegistered();
    await broker.publishEvent(names.eventExchange, event);
    await waitUntil(() => runs.length === 1, 'the long-running work');
    await waitUntil(
      async () => (await inboxSize(database.db, schema, 'long')) === 1,
      'the inbox entry',
    );
    await broker.publishEvent(names.eventExchange, event);
    await waitUntil(
      () => logger.lines.some((line) => line.message.startsWith('Duplicate message skipped')),
      'the duplicate',
    );
    expect(runs).toEqual([event.eventId]);
    expect(transactionOpen).toBe(false);
  });

  it('refuses options with both or neither handler kinds', () => {
    const base = {
      amqp: vhost.url,
      consumer: 'bad',
      bindings: ['x.y'],
      db: database.db,
      inboxSchema: schema,
    };
    expect(() => startConsumer(base)).toThrow(/exactly one/);
    expect(() =>
      startConsumer({
        ...base,
        handler: countingHandler(schema),
        longRunningHandler: () => Promise.resolve(),
      }),
    ).toThrow(/exactly one/);
  });
});
