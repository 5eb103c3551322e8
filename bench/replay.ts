// Projection rebuild speed: 1,000,000 events replayed through rebuildProjection.
// Run: node bench/replay.ts [--events 1000000] [--per-event-events 100000]
import { sql } from 'kysely';
import {
  registry,
  UserRegistered,
  type Envelope,
  type MessageRegistry,
  type RecordedEnvelope,
} from '@mediabot/contracts';
import {
  createEventStore,
  logStart,
  migrateEventStore,
  positionOf,
  rebuildProjection,
  type EventStore,
  type LogPosition,
  type ProjectionDefinition,
} from '@mediabot/eventstore';
import {
  currentLoad,
  describeMachine,
  formatMs,
  formatRate,
  machineInfo,
  markdownTable,
  option,
} from './support/report.ts';
import { createBenchDatabase } from './support/services.ts';

type AnyDatabase = Parameters<typeof createEventStore>[0];

const totalEvents = option('events', 1_000_000);
const perEventEvents = option('per-event-events', 100_000);
const appendBatch = 1000;
const appendWriters = 4;
const languages = ['en', 'fr', 'es', 'ru'] as const;

const usersTable = (schema: string) => sql.table(`${schema}.users`);
const countsTable = (schema: string) => sql.table(`${schema}.language_counts`);

async function applyUsersBatch(
  trx: Parameters<ProjectionDefinition['apply']>[0],
  events: RecordedEnvelope[],
  schema: string,
): Promise<void> {
  const ids: number[] = [];
  const langs: string[] = [];
  const positions: string[] = [];
  for (const event of events) {
    const data = UserRegistered.parseData(event.version, event.data);
    ids.push(data.telegramUserId);
    langs.push(data.languageCode);
    positions.push(event.globalPosition.toString());
  }
  await sql`insert into ${usersTable(schema)} (telegram_user_id, language, global_position)
    select * from unnest(${ids}::bigint[], ${langs}::text[], ${positions}::bigint[])`.execute(trx);
  await sql`insert into ${countsTable(schema)} (language, users)
    select language, count(*) from unnest(${langs}::text[]) as t(language) group by language
    on conflict (language) do update set users = ${countsTable(schema)}.users + excluded.users`.execute(
    trx,
  );
}

/** Users per language: a row per user and a counter per language (an upsert per event). */
const usersByLanguagePerEvent: ProjectionDefinition = {
  name: 'bench.users-by-language',
  schema: 'bench_users',
  tables: ['users', 'language_counts'],
  eventTypes: [UserRegistered.type],
  migrations: (schema) => ({
    '0001_tables': {
      async up(db) {
        await sql`create table ${usersTable(schema)} (
          telegram_user_id bigint primary key, language text not null, global_position bigint not null)`.execute(
          db,
        );
        await sql`create table ${countsTable(schema)} (language text primary key, users bigint not null)`.execute(
          db,
        );
      },
    },
  }),
  async apply(trx, event, schema) {
    const data = UserRegistered.parseData(event.version, event.data);
    await sql`insert into ${usersTable(schema)} values
      (${data.telegramUserId}, ${data.languageCode}, ${event.globalPosition.toString()})`.execute(
      trx,
    );
    await sql`insert into ${countsTable(schema)} values (${data.languageCode}, 1)
      on conflict (language) do update set users = ${countsTable(schema)}.users + 1`.execute(trx);
  },
};

/** The same projection with the bulk path a rebuild uses when it is there. */
const usersByLanguage: ProjectionDefinition = {
  ...usersByLanguagePerEvent,
  applyBatch: applyUsersBatch,
};

let nextUserId = 1;

function userRegistered(streamId: string): Envelope {
  const telegramUserId = nextUserId++;
  return UserRegistered.create(
    {
      telegramUserId,
      username: `user${telegramUserId}`,
      firstName: 'Bench',
      languageCode: languages[telegramUserId % languages.length]!,
      registeredVia: 'start-command',
    },
    { streamId, actor: { kind: 'user', id: String(telegramUserId) } },
  );
}

async function generate(store: EventStore, count: number): Promise<number> {
  const started = performance.now();
  let appended = 0;
  let nextBatch = 0;
  const writer = async () => {
    while (nextBatch * appendBatch < count) {
      const batch = nextBatch++;
      const size = Math.min(appendBatch, count - batch * appendBatch);
      const streamId = `replay-${batch}`;
      const events = Array.from({ length: size }, () => userRegistered(streamId));
      await store.append(streamId, events, { expectedVersion: 'no_stream' });
      appended += size;
      if (batch % 100 === 0) console.error(`appended ${appended.toLocaleString('en-US')}`);
    }
  };
  await Promise.all(Array.from({ length: appendWriters }, writer));
  return appended / ((performance.now() - started) / 1000);
}

async function readEverything(
  store: EventStore,
): Promise<{ events: number; seconds: number; pages: number }> {
  const started = performance.now();
  let position = logStart;
  let events = 0;
  let pages = 0;
  for (;;) {
    const batch = await store.readAll({ after: position, limit: 5000 });
    if (batch.length === 0) break;
    events += batch.length;
    pages += 1;
    position = positionOf(batch[batch.length - 1]!);
  }
  return { events, seconds: (performance.now() - started) / 1000, pages };
}

/** The store's readAll query, for EXPLAIN ANALYZE (kept in step with event-store.ts by hand). */
function readAllQuery(after: LogPosition, limit: number) {
  return sql`
    select global_position, transaction_id::text as transaction_id, event_id, stream_id, stream_version,
           type, schema_version, data, metadata, occurred_at
    from eventstore.events
    where (transaction_id, global_position) > (${after.transactionId.toString()}::xid8, ${after.globalPosition.toString()}::bigint)
      and transaction_id < pg_snapshot_xmin(pg_current_snapshot())
    order by eventstore.events.transaction_id, eventstore.events.global_position
    limit ${limit}`;
}

/**
 * PostgreSQL's own time for one 5,000-event readAll page from the middle of the log (EXPLAIN
 * ANALYZE runs the query without sending rows), to tell server time from transfer and decoding.
 */
async function pageServerMs(db: AnyDatabase, middle: bigint): Promise<number> {
  const { rows: at } = await sql<{ transaction_id: string }>`
    select transaction_id::text as transaction_id from eventstore.events
    where global_position = ${middle.toString()}::bigint`.execute(db);
  const after = { transactionId: BigInt(at[0]?.transaction_id ?? 0), globalPosition: middle };
  const query = readAllQuery(after, 5000).compile(db);
  const { rows } = await db.executeQuery<{ 'QUERY PLAN': string }>({
    ...query,
    sql: `explain (analyze, format text) ${query.sql}`,
  });
  const line = rows
    .map((row) => row['QUERY PLAN'])
    .find((text) => text.startsWith('Execution Time'));
  return Number(/([\d.]+) ms/.exec(line ?? '')?.[1] ?? Number.NaN);
}

async function main() {
  const database = await createBenchDatabase('replay');
  try {
    const machine = await machineInfo(database.serverUrl);
    const { db } = database.open(appendWriters);
    await migrateEventStore(db);
    const store = createEventStore(db);

    const appendRate = await generate(store, totalEvents);
    await sql`vacuum analyze eventstore.events`.execute(db);
    console.error(`generated ${totalEvents} events at ${formatRate(appendRate)}/s`);

    const serverMs = await pageServerMs(db, BigInt(Math.floor(totalEvents / 2)));
    const read = await readEverything(store);
    console.error(`read ${read.events} at ${formatRate(read.events / read.seconds)}/s`);

    const rows: string[][] = [];
    const measure = async (
      label: string,
      projection: ProjectionDefinition,
      upTo: bigint | undefined,
    ) => {
      // Where the time goes: reading pages, upcasting (zod), and the rest (apply + commit).
      let readMs = 0;
      let upcastMs = 0;
      const timedStore: EventStore = {
        ...store,
        readAll: async (options) => {
          const before = performance.now();
          const page = await store.readAll(options);
          readMs += performance.now() - before;
          return page;
        },
      };
      const timedRegistry: MessageRegistry = {
        ...registry,
        parse: (raw) => {
          const before = performance.now();
          const parsed = registry.parse(raw);
          upcastMs += performance.now() - before;
          return parsed;
        },
      };
      const started = performance.now();
      const result = await rebuildProjection({
        db,
        store: timedStore,
        projection,
        registry: timedRegistry,
        target: { schema: `bench_rebuild_${rows.length}` },
        ...(upTo === undefined ? {} : { upTo }),
      });
      const totalMs = performance.now() - started;
      const share = (ms: number) => `${Math.round((ms / totalMs) * 100)}%`;
      rows.push([
        label,
        result.applied.toLocaleString('en-US'),
        (totalMs / 1000).toFixed(1),
        formatRate(result.applied / (totalMs / 1000)),
        `read ${share(readMs)}, upcast ${share(upcastMs)}, apply+commit ${share(totalMs - readMs - upcastMs)}`,
      ]);
      console.error(rows[rows.length - 1]!.join('  '), ` load ${currentLoad()}`);
    };

    rows.push([
      'readAll only (5,000 per page, no projection)',
      read.events.toLocaleString('en-US'),
      read.seconds.toFixed(1),
      formatRate(read.events / read.seconds),
      `PostgreSQL ${formatMs(serverMs)} ms of each page's ${formatMs((read.seconds * 1000) / read.pages)} ms`,
    ]);
    await measure(
      'rebuildProjection, applyBatch (5,000 per transaction)',
      usersByLanguage,
      undefined,
    );
    const firstEvents = await firstPositions(db, perEventEvents);
    await measure(
      `rebuildProjection, apply per event (first ${perEventEvents.toLocaleString('en-US')} events)`,
      usersByLanguagePerEvent,
      firstEvents,
    );

    console.log(`## Projection rebuild\n\n${describeMachine(machine)}`);
    console.log(`- load average at end: ${currentLoad()}`);
    console.log(
      `- log: ${totalEvents.toLocaleString('en-US')} UserRegistered events, generated through append in batches of ${appendBatch} by ${appendWriters} writers at ${formatRate(appendRate)} events/s\n`,
    );
    console.log(markdownTable(['path', 'events', 'seconds', 'events/s', 'time split'], rows));
  } finally {
    await database.drop();
  }
}

/** The global position of the n-th event in log order (the rebuild's `upTo`). */
async function firstPositions(db: AnyDatabase, n: number) {
  const { rows } = await sql<{ position: string }>`
    select global_position::text as position from eventstore.events
    order by global_position offset ${n - 1} limit 1`.execute(db);
  return BigInt(rows[0]?.position ?? 0);
}

await main();
