// End-to-end latency and throughput: append → relay → RabbitMQ → consumer (inbox + projection).
// Run: node bench/pipeline.ts [--seconds 20] [--concurrency 4] [--prefetch 256] [--batch 50]
import { fileURLToPath } from 'node:url';
import { setTimeout as delay } from 'node:timers/promises';
import amqp, { type ChannelModel } from 'amqplib';
import { sql } from 'kysely';
import { UserRegistered, type Envelope } from '@mediabot/contracts';
import { createEventStore, migrateEventStore, type EventStore } from '@mediabot/eventstore';
import { ensureInbox, startConsumer, type Consumer } from '@mediabot/messaging';
import { spawnNode, type ChildHandle } from '@mediabot/testing';
import {
  currentLoad,
  describeMachine,
  formatMs,
  formatRate,
  machineInfo,
  markdownTable,
  option,
  percentile,
} from './support/report.ts';
import { createBenchDatabase, createBenchVhost } from './support/services.ts';
import { sampleOldestTransaction, sampleWaits, topWaits } from './support/waits.ts';

const steadySeconds = option('seconds', 20);
const warmupSeconds = option('warmup', 3);
const rampStepSeconds = option('step-seconds', 10);
const consumerConcurrency = option('concurrency', 4);
const consumerPrefetch = option('prefetch', 256);
const consumerBatch = option('batch', 50);
const tickMs = 10;
const schema = 'bench';
const relayMain = fileURLToPath(
  new URL('../packages/messaging/src/relay/main.ts', import.meta.url),
);

/** Wall-clock milliseconds with sub-millisecond resolution, one clock for producer and consumer. */
const now = () => performance.timeOrigin + performance.now();

interface Tracking {
  /** Events handed to the store so far (committed or not). */
  offered: number;
  committed: Map<string, number>;
  consumed: Map<string, number>;
}

interface Probes {
  databaseUrl: string;
  /** Messages ready in the consumer's queue now. */
  queueDepth(): Promise<number>;
}

interface LoadResult {
  offered: number;
  appendedPerSecond: number;
  consumedPerSecond: number;
  latenciesMs: number[];
  backlogMid: number;
  backlogEnd: number;
  /** Of the backlog at the end of the load: messages ready in the consumer's queue. */
  inBrokerEnd: number;
  waits: Map<string, number>;
  /** The longest-running transaction seen on the server during the load (it holds back readAll). */
  oldestTransaction: { maxAgeMs: number; holder: string };
  drainedMs: number | undefined;
  /** Measured events still not consumed 30 s after the load stopped (left out of the latencies). */
  lost: number;
  appendFailures: number;
}

let nextUserId = 1;
let nextRun = 1;

function userRegistered(streamId: string): Envelope {
  const telegramUserId = nextUserId++;
  return UserRegistered.create(
    {
      telegramUserId,
      username: `user${telegramUserId}`,
      firstName: 'Bench',
      languageCode: 'en',
      registeredVia: 'start-command',
    },
    { streamId, actor: { kind: 'user', id: String(telegramUserId) } },
  );
}

/**
 * Open loop: every tick appends the events due by then, whether or not earlier appends have
 * finished. `perAppend: 'tick'` puts one tick's events in one append (one new stream);
 * `'single'` makes each event its own append on its own stream.
 */
async function offerLoad(
  store: EventStore,
  tracking: Tracking,
  options: { rate: number; seconds: number; warmupSeconds: number; perAppend: 'tick' | 'single' },
  probes: Probes,
): Promise<LoadResult> {
  const run = nextRun++;
  const sampler = await sampleWaits(probes.databaseUrl);
  const xminSampler = await sampleOldestTransaction(probes.databaseUrl);
  const measured = new Set<string>();
  const pending = new Set<Promise<void>>();
  let appendFailures = 0;
  let generated = 0;
  let appendedInWindow = 0;
  let backlogMid = 0;
  const startedAt = now();
  const windowStart = startedAt + options.warmupSeconds * 1000;
  const end = windowStart + options.seconds * 1000;
  const consumedBefore = tracking.consumed.size;
  let consumedAtWindowStart: number | undefined;
  let midSampled = false;

  const append = (events: Envelope[], inWindow: boolean) => {
    const streamId = events[0]!.streamId;
    const task = store
      .append(streamId, events, { expectedVersion: 'no_stream' })
      .then(() => {
        const at = now();
        for (const event of events) {
          tracking.committed.set(event.eventId, at);
          if (inWindow) measured.add(event.eventId);
        }
        if (at >= windowStart && at <= end) appendedInWindow += events.length;
      })
      .catch(() => {
        appendFailures += 1;
      })
      .finally(() => pending.delete(task));
    pending.add(task);
  };

  for (let tick = 0; ; tick++) {
    const at = now();
    if (at >= end) break;
    const inWindow = at >= windowStart;
    if (inWindow && consumedAtWindowStart === undefined)
      consumedAtWindowStart = tracking.consumed.size;
    if (!midSampled && at >= windowStart + (options.seconds * 1000) / 2) {
      midSampled = true;
      backlogMid = tracking.offered - tracking.consumed.size;
    }
    const due = Math.floor(((at - startedAt) / 1000) * options.rate) - generated;
    if (due > 0) {
      generated += due;
      tracking.offered += due;
      if (options.perAppend === 'tick') {
        const streamId = `load-${run}-${tick}`;
        append(
          Array.from({ length: due }, () => userRegistered(streamId)),
          inWindow,
        );
      } else {
        for (let i = 0; i < due; i++) append([userRegistered(`load-${nextUserId}`)], inWindow);
      }
    }
    const nextTickAt = startedAt + (tick + 1) * tickMs;
    await delay(Math.max(0, nextTickAt - now()));
  }
  const windowSeconds = (now() - windowStart) / 1000;
  const consumedInWindow = tracking.consumed.size - (consumedAtWindowStart ?? consumedBefore);
  const backlogEnd = tracking.offered - tracking.consumed.size;
  const inBrokerEnd = await probes.queueDepth();
  const waits = await sampler.stop();
  const oldestTransaction = await xminSampler.stop();
  await Promise.all([...pending]);

  const drainStart = now();
  let drainedMs: number | undefined;
  while (now() - drainStart < 30_000) {
    if ([...measured].every((id) => tracking.consumed.has(id))) {
      drainedMs = now() - drainStart;
      break;
    }
    await delay(20);
  }
  const latenciesMs: number[] = [];
  let lost = 0;
  for (const id of measured) {
    const committedAt = tracking.committed.get(id);
    const consumedAt = tracking.consumed.get(id);
    // The consumer may see an event before the producer's append promise settles: clamp to 0.
    if (committedAt !== undefined && consumedAt !== undefined)
      latenciesMs.push(Math.max(0, consumedAt - committedAt));
    else lost += 1;
  }
  return {
    offered: options.rate,
    appendedPerSecond: appendedInWindow / windowSeconds,
    consumedPerSecond: consumedInWindow / windowSeconds,
    latenciesMs: latenciesMs.sort((a, b) => a - b),
    backlogMid,
    backlogEnd,
    inBrokerEnd,
    waits,
    oldestTransaction,
    drainedMs,
    lost,
    appendFailures,
  };
}

function latencyRow(label: string, result: LoadResult): string[] {
  const sorted = result.latenciesMs;
  return [
    label,
    formatRate(result.appendedPerSecond),
    formatRate(result.consumedPerSecond),
    formatMs(percentile(sorted, 50)),
    formatMs(percentile(sorted, 95)),
    formatMs(percentile(sorted, 99)),
    formatMs(sorted[sorted.length - 1] ?? Number.NaN),
    sorted.length.toLocaleString('en-US'),
    result.drainedMs === undefined
      ? `no (${result.lost} left)`
      : `${formatMs(result.drainedMs)} ms`,
    String(result.appendFailures),
    topWaits(result.waits),
    `${Math.round(result.oldestTransaction.maxAgeMs)} ms`,
  ];
}

async function main() {
  const database = await createBenchDatabase('pipeline');
  const vhost = await createBenchVhost('pipeline');
  let relay: ChildHandle | undefined;
  let consumer: Consumer | undefined;
  let broker: ChannelModel | undefined;
  try {
    const machine = await machineInfo(database.serverUrl);
    const { db: producerDb } = database.open(16);
    const { db: consumerDb } = database.open(Math.min(consumerConcurrency, 32));
    await migrateEventStore(producerDb);
    await ensureInbox(consumerDb, schema);
    await sql`create table ${sql.table(`${schema}.registrations`)} (
      event_id uuid primary key, telegram_user_id bigint not null, global_position bigint)`.execute(
      consumerDb,
    );
    const store = createEventStore(producerDb);
    const tracking: Tracking = { offered: 0, committed: new Map(), consumed: new Map() };

    const startBenchConsumer = () =>
      startConsumer({
        amqp: vhost.url,
        consumer: 'projection',
        bindings: [UserRegistered.type],
        db: consumerDb,
        inboxSchema: schema,
        prefetch: consumerPrefetch,
        concurrency: consumerConcurrency,
        batchSize: consumerBatch,
        async handler(message, { trx, delivery }) {
          const data = UserRegistered.parseData(message.version, message.data);
          await sql`insert into ${sql.table(`${schema}.registrations`)} values
            (${message.eventId}::uuid, ${data.telegramUserId}, ${delivery.globalPosition?.toString() ?? null})`.execute(
            trx,
          );
        },
        // The consumer's commit is the end of the measured path (the ack follows it).
        hooks: { afterCommit: (message) => tracking.consumed.set(message.eventId, now()) },
      });
    consumer = startBenchConsumer();
    await consumer.ready();

    relay = spawnNode(relayMain, {
      env: {
        DATABASE_URL: database.url,
        RABBITMQ_URL: vhost.url,
        LOG_LEVEL: 'info',
      },
    });
    await relay.waitForLine(/Relay lock acquired/, 30_000);
    broker = await amqp.connect(vhost.url);
    const inspect = await broker.createChannel();
    const queue = consumer.queues.queue;
    const probes: Probes = {
      databaseUrl: database.url,
      queueDepth: async () => (await inspect.checkQueue(queue)).messageCount,
    };

    // Warm the whole path (connections, JIT, queue) before measuring anything.
    await offerLoad(
      store,
      tracking,
      {
        rate: 200,
        seconds: 2,
        warmupSeconds: 0,
        perAppend: 'tick',
      },
      probes,
    );
    if (tracking.consumed.size === 0)
      throw new Error('Nothing reached the consumer while warming up: see the relay lines below');

    const steady: string[][] = [];
    const steadyPoints = [
      { rate: 100, perAppend: 'tick' },
      { rate: 1000, perAppend: 'tick' },
      { rate: 1000, perAppend: 'single' },
    ] as const;
    for (const point of steadyPoints) {
      const result = await offerLoad(
        store,
        tracking,
        {
          ...point,
          seconds: steadySeconds,
          warmupSeconds,
        },
        probes,
      );
      const label = `${point.rate}/s, ${point.perAppend === 'tick' ? `${Math.max(1, point.rate / 100)} event(s) per append every 10 ms` : '1 event per append'}`;
      steady.push(latencyRow(label, result));
      console.error(
        steady[steady.length - 1]!.join('  '),
        ` load ${currentLoad()}`,
        result.oldestTransaction.holder,
      );
    }

    const ramp: string[][] = [];
    let highestSustained = 0;
    for (const rate of [1000, 1500, 2000, 2500, 3000, 4000, 5000, 6000, 8000, 10_000]) {
      const result = await offerLoad(
        store,
        tracking,
        {
          rate,
          seconds: rampStepSeconds,
          warmupSeconds: 2,
          perAppend: 'tick',
        },
        probes,
      );
      // Sustained: everything offered was appended and consumed in step, and the backlog did not grow.
      const keptUp =
        result.appendedPerSecond >= rate * 0.95 &&
        result.consumedPerSecond >= rate * 0.95 &&
        result.appendFailures === 0 &&
        result.backlogEnd <= Math.max(result.backlogMid * 1.5, rate * 0.25);
      ramp.push([
        formatRate(rate),
        formatRate(result.appendedPerSecond),
        formatRate(result.consumedPerSecond),
        result.backlogMid.toLocaleString('en-US'),
        result.backlogEnd.toLocaleString('en-US'),
        result.inBrokerEnd.toLocaleString('en-US'),
        formatMs(percentile(result.latenciesMs, 95)),
        keptUp
          ? 'yes'
          : result.appendFailures > 0
            ? `no (${result.appendFailures} failed appends)`
            : 'no',
        topWaits(result.waits),
        `${Math.round(result.oldestTransaction.maxAgeMs)} ms`,
      ]);
      console.error(
        ramp[ramp.length - 1]!.join('  '),
        ` load ${currentLoad()}`,
        result.oldestTransaction.holder,
      );
      if (!keptUp) break;
      highestSustained = rate;
    }

    // Each stage alone: the relay filling the queue with the consumer stopped, then the consumer
    // draining it. The slower one bounds the pipeline.
    await consumer.stop();
    const stageEvents = option('stage-events', 20_000);
    const queueBefore = await probes.queueDepth();
    const appendStarted = now();
    for (let batch = 0; batch * 100 < stageEvents; batch++) {
      const streamId = `stage-${batch}`;
      await store.append(
        streamId,
        Array.from({ length: 100 }, () => userRegistered(streamId)),
        { expectedVersion: 'no_stream' },
      );
    }
    const appendedAt = now();
    while ((await probes.queueDepth()) - queueBefore < stageEvents) await delay(20);
    const relaySeconds = (now() - appendedAt) / 1000;
    const relayRate = stageEvents / ((now() - appendStarted) / 1000);
    const consumedBefore = tracking.consumed.size;
    const drainStarted = now();
    consumer = startBenchConsumer();
    while (tracking.consumed.size - consumedBefore < stageEvents) await delay(20);
    const consumerRate = stageEvents / ((now() - drainStarted) / 1000);
    const stages = [
      [
        'relay: appended (100 per append) → in the queue',
        formatRate(relayRate),
        `queue reached the head ${relaySeconds.toFixed(1)} s after the last append`,
      ],
      [
        `consumer (concurrency ${consumerConcurrency}, prefetch ${consumerPrefetch}, batch ${consumerBatch}): queue → committed`,
        formatRate(consumerRate),
        'one transaction per batch (one inbox insert, a projection row per message)',
      ],
    ];
    console.error(stages.map((row) => row.join('  ')).join('\n'));

    console.log(`## Pipeline latency and throughput\n\n${describeMachine(machine)}`);
    console.log(`- load average at end: ${currentLoad()}`);
    console.log(
      `- consumer: concurrency ${consumerConcurrency}, prefetch ${consumerPrefetch}, batch ${consumerBatch}; relay: separate process, default settings\n`,
    );
    console.log(
      markdownTable(
        [
          'offered load',
          'appended/s',
          'consumed/s',
          'p50 ms',
          'p95 ms',
          'p99 ms',
          'max ms',
          'events measured',
          'drained after load',
          'failed appends',
          'PostgreSQL waits (sampled)',
          'oldest open transaction on the server',
        ],
        steady,
      ),
    );
    console.log();
    console.log(
      markdownTable(
        [
          'offered/s',
          'appended/s',
          'consumed/s',
          'backlog mid-step',
          'backlog end',
          'of which in queue',
          'p95 ms',
          'kept up',
          'PostgreSQL waits (sampled)',
          'oldest open transaction on the server',
        ],
        ramp,
      ),
    );
    console.log(`\nHighest sustained rate: ${formatRate(highestSustained)} events/s\n`);
    console.log(
      markdownTable(
        [`each stage alone (${stageEvents.toLocaleString('en-US')} events)`, 'events/s', 'note'],
        stages,
      ),
    );
  } finally {
    if (relay) console.error(`relay's last lines:\n${relay.stdout.slice(-10).join('\n')}`);
    await broker?.close().catch(() => {});
    await consumer?.stop().catch(() => {});
    await relay?.kill('SIGTERM').catch(() => undefined);
    await vhost.remove().catch(() => {});
    await database.drop();
  }
}

await main();
