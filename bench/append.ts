// Append throughput: our event store against emmett-postgresql on the same server, same payloads.
// Run: node bench/append.ts [--seconds 5] [--rounds 3] [--events 200000] [--diagnose]
// --diagnose adds variants of our store in databases of their own, to show where our time goes.
import { cpuUsage } from 'node:process';
import { readFileSync } from 'node:fs';
import type { Event } from '@event-driven-io/emmett';
import {
  getPostgreSQLEventStore,
  type PostgresEventStore,
} from '@event-driven-io/emmett-postgresql';
import { sql, type Kysely } from 'kysely';
import type pg from 'pg';
import { UserRegistered, type Envelope } from '@mediabot/contracts';
import { createEventStore, migrateEventStore, type EventStore } from '@mediabot/eventstore';
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
import { createBenchDatabase, type BenchDatabase } from './support/services.ts';
import { sampleWaits, topWaits } from './support/waits.ts';

const pointSeconds = option('seconds', 5);
/** Each store runs each point this many times, alternating, and the median is compared. */
const rounds = option('rounds', 3);
const pointEvents = option('events', 200_000);
const warmupSeconds = option('warmup', 1);
const streamsPerWriter = 4;
const batchSizes = [1, 100] as const;
const writerCounts = [1, 16] as const;

/** One store behind the same shape: append a batch at an expected version, get the next one. */
interface Appender {
  name: string;
  /** The database it writes to, for sampling wait events. */
  url: string;
  append(streamId: string, events: Envelope[], expected: bigint): Promise<bigint>;
}

interface PointResult {
  events: number;
  appends: number;
  seconds: number;
  appendLatenciesMs: number[];
  clientCpuMs: number;
  machineBusy: number;
  waits: Map<string, number>;
}

let nextUserId = 1;

function payload(streamId: string): Envelope {
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

function ourAppender(
  name: string,
  url: string,
  db: Kysely<unknown>,
  options: { wakeReaders?: boolean } = {},
): Appender {
  const store: EventStore = createEventStore(db, options);
  return {
    name,
    url,
    async append(streamId, events, expected) {
      const result = await store.append(streamId, events, {
        expectedVersion: expected === 0n ? 'no_stream' : expected,
      });
      return result.nextExpectedVersion;
    },
  };
}

type BenchEvent = Event<string, Record<string, unknown>, Record<string, unknown>>;

function emmettAppender(url: string, store: PostgresEventStore): Appender {
  return {
    name: 'emmett',
    url,
    async append(streamId, events, expected) {
      // The same envelope fields, in emmett's event shape (it adds its own message id).
      const mapped: BenchEvent[] = events.map((event) => ({
        type: event.type,
        data: event.data as Record<string, unknown>,
        metadata: {
          eventId: event.eventId,
          occurredAt: event.occurredAt,
          correlationId: event.correlationId,
          causationId: event.causationId,
          actor: event.actor,
          traceContext: event.traceContext,
        },
      }));
      const result = await store.appendToStream(streamId, mapped, {
        expectedStreamVersion: expected,
      });
      return result.nextExpectedStreamVersion;
    },
  };
}

/** Jiffies busy and total across all CPUs, from /proc/stat (Linux). */
function cpuTicks(): { busy: number; total: number } {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1);
  const values = fields.map(Number);
  const idle = (values[3] ?? 0) + (values[4] ?? 0);
  const total = values.reduce((sum, value) => sum + value, 0);
  return { busy: total - idle, total };
}

let runId = 0;

async function runPoint(
  appender: Appender,
  batch: number,
  writers: number,
  limits: { seconds: number; events: number },
): Promise<PointResult> {
  const run = runId++;
  let events = 0;
  let appends = 0;
  const latencies: number[] = [];
  const startedAt = performance.now();
  const deadline = startedAt + limits.seconds * 1000;
  const sampler = await sampleWaits(appender.url);
  const cpuBefore = cpuUsage();
  const ticksBefore = cpuTicks();
  const writer = async (index: number) => {
    const streams = Array.from({ length: streamsPerWriter }, (_, s) => ({
      id: `bench-${appender.name}-${run}-w${index}-s${s}`,
      version: 0n,
    }));
    for (let turn = 0; performance.now() < deadline && events < limits.events; turn++) {
      const stream = streams[turn % streams.length]!;
      const batchEvents = Array.from({ length: batch }, () => payload(stream.id));
      const before = performance.now();
      stream.version = await appender.append(stream.id, batchEvents, stream.version);
      latencies.push(performance.now() - before);
      events += batch;
      appends += 1;
    }
  };
  await Promise.all(Array.from({ length: writers }, (_, index) => writer(index)));
  const seconds = (performance.now() - startedAt) / 1000;
  const cpu = cpuUsage(cpuBefore);
  const ticksAfter = cpuTicks();
  const waits = await sampler.stop();
  return {
    events,
    appends,
    seconds,
    appendLatenciesMs: latencies.sort((a, b) => a - b),
    clientCpuMs: (cpu.user + cpu.system) / 1000,
    machineBusy:
      (ticksAfter.busy - ticksBefore.busy) / Math.max(1, ticksAfter.total - ticksBefore.total),
    waits,
  };
}

/** Variants of our store with one cost added or removed, to show where the time goes. */
const diagnosticVariants: { name: string; change: string[]; wakeReaders?: boolean }[] = [
  {
    // How the store woke readers before: every appending transaction notified at its commit.
    name: 'ours, NOTIFY from a trigger (before)',
    change: [
      `create function eventstore.notify_appended() returns trigger language plpgsql as $$
       begin perform pg_notify('eventstore_appended', ''); return null; end $$`,
      `create trigger events_appended after insert on eventstore.events
       for each statement execute function eventstore.notify_appended()`,
    ],
    wakeReaders: false,
  },
  { name: 'ours without NOTIFY', change: [], wakeReaders: false },
];

async function main() {
  const diagnose = process.argv.includes('--diagnose');
  const maxWriters = Math.max(...writerCounts);
  const databases: BenchDatabase[] = [];
  let emmettStore: PostgresEventStore | undefined;
  try {
    const ours = await createBenchDatabase('append');
    databases.push(ours);
    const machine = await machineInfo(ours.serverUrl);
    const { db } = ours.open(maxWriters);
    await migrateEventStore(db);
    const theirs = await createBenchDatabase('append_emmett');
    databases.push(theirs);
    const emmettPool: pg.Pool = theirs.open(maxWriters).pool;
    emmettStore = getPostgreSQLEventStore(theirs.url, {
      connectionOptions: { connectionString: theirs.url, pool: emmettPool },
    });
    await emmettStore.schema.migrate();
    const appenders = [ourAppender('ours', ours.url, db), emmettAppender(theirs.url, emmettStore)];
    for (const variant of diagnose ? diagnosticVariants : []) {
      const database = await createBenchDatabase('append_variant');
      databases.push(database);
      const variantDb = database.open(maxWriters).db;
      await migrateEventStore(variantDb);
      for (const statement of variant.change) await sql.raw(statement).execute(variantDb);
      appenders.push(
        ourAppender(variant.name, database.url, variantDb, {
          wakeReaders: variant.wakeReaders ?? true,
        }),
      );
    }

    const rows: string[][] = [];
    const details: string[][] = [];
    let pointIndex = 0;
    for (const batch of batchSizes) {
      for (const writers of writerCounts) {
        const rates = new Map<string, number[]>();
        for (let round = 0; round < rounds; round++) {
          // Alternate which store goes first so drift in machine load does not favour one.
          const order = pointIndex++ % 2 === 0 ? appenders : [...appenders].reverse();
          for (const appender of order) {
            await runPoint(appender, batch, writers, { seconds: warmupSeconds, events: 20_000 });
            const result = await runPoint(appender, batch, writers, {
              seconds: pointSeconds,
              events: pointEvents,
            });
            const rate = result.events / result.seconds;
            rates.set(appender.name, [...(rates.get(appender.name) ?? []), rate]);
            const line = [
              String(batch),
              String(writers),
              appender.name,
              String(round + 1),
              formatRate(rate),
              formatRate(result.appends / result.seconds),
              formatMs(percentile(result.appendLatenciesMs, 50)),
              formatMs(percentile(result.appendLatenciesMs, 99)),
              ((result.clientCpuMs / result.events) * 1000).toFixed(1),
              `${Math.round(result.machineBusy * 100)}%`,
              topWaits(result.waits),
              `${result.events.toLocaleString('en-US')} in ${result.seconds.toFixed(1)} s`,
            ];
            details.push(line);
            console.error(line.join('  '), ` load ${currentLoad()}`);
          }
        }
        const median = (values: number[] = []) =>
          [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
        const spread = (values: number[] = []) =>
          `${formatRate(Math.min(...values))}–${formatRate(Math.max(...values))}`;
        const ourRate = median(rates.get('ours'));
        const theirRate = median(rates.get('emmett'));
        rows.push([
          String(batch),
          String(writers),
          formatRate(ourRate),
          spread(rates.get('ours')),
          formatRate(theirRate),
          spread(rates.get('emmett')),
          `${(ourRate / theirRate).toFixed(2)}×`,
        ]);
      }
    }

    console.log(`## Append throughput\n\n${describeMachine(machine)}`);
    console.log(`- load average at end: ${currentLoad()}\n`);
    console.log(
      markdownTable(
        [
          'events/append',
          'writers',
          `ours events/s (median of ${rounds})`,
          'ours range',
          `emmett events/s (median of ${rounds})`,
          'emmett range',
          'ours/emmett',
        ],
        rows,
      ),
    );
    console.log();
    console.log(
      markdownTable(
        [
          'events/append',
          'writers',
          'store',
          'round',
          'events/s',
          'appends/s',
          'append p50 ms',
          'append p99 ms',
          'client CPU µs/event',
          'machine busy',
          'PostgreSQL waits (sampled)',
          'measured',
        ],
        details,
      ),
    );
  } finally {
    await emmettStore?.close().catch(() => {});
    for (const database of databases) await database.drop();
  }
}

await main();
