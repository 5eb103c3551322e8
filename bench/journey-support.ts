// Shared by the journey benchmarks (bench/journey-*.ts): the whole product as processes against
// the fake Bot API, one database and vhost of its own, a clock on every Bot API call, RSS reads.
import { execFile } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import amqp from 'amqplib';
import pg from 'pg';
import type { ServiceName } from '@mediabot/contracts';
import { startStack, type S3Settings, type Stack } from '@mediabot/local-stack';
import {
  ensureSampleMedia,
  startMediaServer,
  type MediaServer,
  type SampleMedia,
} from '@mediabot/sample-media';
import {
  createTelegramDriver,
  type BotCall,
  type TelegramDriver,
  type TelegramFake,
} from '@mediabot/telegram-fake';
import { serviceUrls } from '@mediabot/testing';
import { startOutsideS3 } from './support/outside-world.ts';
import { formatMs, percentile } from './support/report.ts';
import {
  createBenchDatabase,
  createBenchVhost,
  type BenchDatabase,
  type BenchVhost,
} from './support/services.ts';

export const MB = 1024 * 1024;

/** One Bot API call as the benchmark keeps it: when the fake received it and what it carried. */
export interface TimedCall {
  method: string;
  chatId: number;
  startedAt: number;
  finishedAt: number;
  ok: boolean;
  params: Record<string, unknown>;
}

/**
 * Every call the bot makes, per chat, from the fake's `call` event (the fake's own call log keeps
 * only the last 10,000). Waiters resolve on the first matching call.
 */
export class CallClock {
  readonly #byChat = new Map<number, TimedCall[]>();
  readonly #waiters = new Set<{
    chatId: number;
    after: number;
    match: (call: TimedCall) => boolean;
    resolve: (call: TimedCall) => void;
  }>();
  readonly #onCall = (call: BotCall) => this.#record(call);
  readonly #fake: TelegramFake;

  constructor(fake: TelegramFake) {
    this.#fake = fake;
    fake.bot.events.on('call', this.#onCall);
  }

  stop(): void {
    this.#fake.bot.events.off('call', this.#onCall);
  }

  calls(chatId: number): readonly TimedCall[] {
    return this.#byChat.get(chatId) ?? [];
  }

  /** Every call so far, in the order they were recorded. */
  all(): TimedCall[] {
    return [...this.#byChat.values()].flat().sort((a, b) => a.startedAt - b.startedAt);
  }

  /** The first call in the chat received at or after `after` (fake clock, ms) that matches. */
  first(chatId: number, after: number, match: (call: TimedCall) => boolean): TimedCall | undefined {
    return this.calls(chatId).find((call) => call.startedAt >= after && match(call));
  }

  /** Resolves with the first matching call, already made or still to come. */
  next(
    chatId: number,
    after: number,
    match: (call: TimedCall) => boolean,
    timeoutMs: number,
  ): Promise<TimedCall | undefined> {
    const found = this.first(chatId, after, match);
    if (found) return Promise.resolve(found);
    return new Promise((resolve) => {
      const waiter = {
        chatId,
        after,
        match,
        resolve: (call: TimedCall | undefined) => {
          clearTimeout(timer);
          this.#waiters.delete(waiter);
          resolve(call);
        },
      };
      const timer = setTimeout(() => waiter.resolve(undefined), timeoutMs);
      this.#waiters.add(waiter);
    });
  }

  /** When the bot's getUpdates call that carried each update ended (the gateway has it then). */
  readonly fetchedUpdates = new Map<number, number>();

  #record(call: BotCall): void {
    if (call.method === 'getUpdates' && call.response?.ok) {
      const updates = (call.response as { result?: { update_id: number }[] }).result ?? [];
      for (const update of updates) this.fetchedUpdates.set(update.update_id, call.finishedAt);
    }
    if (call.chatId === undefined) return;
    const timed: TimedCall = {
      method: call.method,
      chatId: call.chatId,
      startedAt: call.startedAt,
      finishedAt: call.finishedAt,
      ok: call.response?.ok === true,
      params: call.params,
    };
    const list = this.#byChat.get(call.chatId) ?? [];
    list.push(timed);
    this.#byChat.set(call.chatId, list);
    for (const waiter of this.#waiters) {
      if (waiter.chatId === timed.chatId && timed.startedAt >= waiter.after && waiter.match(timed))
        waiter.resolve(timed);
    }
  }
}

/** The inline keyboard a call sets, whether the client sent it as an object or as JSON text. */
export function keyboardOf(call: TimedCall): { text: string; callback_data?: string }[] {
  let markup = call.params.reply_markup;
  if (typeof markup === 'string') {
    try {
      markup = JSON.parse(markup) as unknown;
    } catch {
      return [];
    }
  }
  const rows = (markup as { inline_keyboard?: unknown } | undefined)?.inline_keyboard;
  return Array.isArray(rows) ? (rows as { text: string; callback_data?: string }[][]).flat() : [];
}

/** A video quality button of the offer ("720p", "Best video"): not the MP3 nor Cancel. */
export const isVideoChoice = (text: string) => !/mp3|cancel|annuler|cancelar|отмен/i.test(text);
export const isAudioChoice = (text: string) => /mp3/i.test(text);

/** A sendVideo/sendAudio/sendDocument whose file is an earlier file_id (no upload). */
export function isFileIdSend(call: TimedCall): boolean {
  const field = { sendVideo: 'video', sendAudio: 'audio', sendDocument: 'document' }[
    call.method as 'sendVideo'
  ] as string | undefined;
  return call.ok && field !== undefined && typeof call.params[field] === 'string';
}

export function isUploadSend(call: TimedCall): boolean {
  return (
    call.ok &&
    ['sendVideo', 'sendAudio', 'sendDocument'].includes(call.method) &&
    Object.values(call.params).some(
      (value) => typeof value === 'object' && value !== null && 'upload' in value,
    )
  );
}

export interface Percentiles {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

export function summarize(values: readonly number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? Number.NaN,
    mean: sorted.reduce((sum, value) => sum + value, 0) / Math.max(1, sorted.length),
  };
}

export function percentileRow(label: string, stats: Percentiles, extra: string[] = []): string[] {
  return [
    label,
    String(stats.count),
    ...[stats.p50, stats.p95, stats.p99, stats.max, stats.mean].map(formatMs),
    ...extra,
  ];
}

export const percentileHeaders = ['what', 'n', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'mean ms'];

/**
 * Runs `act(i)` for i = 0..count-1 at `perSecond`, open loop: each at its planned time whatever
 * the product is doing, catching up if the benchmark itself fell behind.
 */
export async function openLoop(
  count: number,
  perSecond: number,
  act: (index: number) => void,
): Promise<{ seconds: number; lateMsMax: number }> {
  const start = performance.now();
  let lateMsMax = 0;
  for (let index = 0; index < count; index += 1) {
    const due = start + (index * 1000) / perSecond;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    lateMsMax = Math.max(lateMsMax, performance.now() - due);
    act(index);
  }
  return { seconds: (performance.now() - start) / 1000, lateMsMax };
}

export interface MemoryReading {
  service: string;
  pid: number;
  rssMiB: number;
  /** Peak RSS of the process so far. */
  hwmMiB: number;
}

async function readStatusKiB(pid: number, field: string): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  return match ? Number(match[1]) : Number.NaN;
}

/** VmRSS and VmHWM of every process of the stack (the node processes, not their children). */
export async function readMemory(stack: Stack): Promise<MemoryReading[]> {
  const readings: MemoryReading[] = [];
  for (const [service, child] of stack.processes) {
    try {
      const [rss, hwm] = await Promise.all([
        readStatusKiB(child.pid, 'VmRSS'),
        readStatusKiB(child.pid, 'VmHWM'),
      ]);
      readings.push({ service, pid: child.pid, rssMiB: rss / 1024, hwmMiB: hwm / 1024 });
    } catch {
      readings.push({ service, pid: child.pid, rssMiB: Number.NaN, hwmMiB: Number.NaN });
    }
  }
  return readings.sort((a, b) => a.service.localeCompare(b.service));
}

/** One row per process; the last column checks the first column's RSS against the target. */
export function memoryTable(
  columns: { label: string; readings: MemoryReading[] }[],
  targetMiB = 150,
): string[][] {
  const first = columns[0]?.readings ?? [];
  return first.map((reading) => [
    reading.service,
    ...columns.flatMap((column) => {
      const match = column.readings.find((candidate) => candidate.service === reading.service);
      return match ? [match.rssMiB.toFixed(0), match.hwmMiB.toFixed(0)] : ['?', '?'];
    }),
    reading.rssMiB <= targetMiB ? 'yes' : 'no',
  ]);
}

/**
 * CPU seconds (user + system) each process of the stack has used so far, with the children it
 * has waited for (yt-dlp, ffmpeg, ffprobe: cutime + cstime), which run outside the node process.
 */
export async function readCpuSeconds(stack: Stack): Promise<Map<string, number>> {
  const ticksPerSecond = 100; // USER_HZ on Linux
  const seconds = new Map<string, number>();
  for (const [service, child] of stack.processes) {
    const text = await readFile(`/proc/${child.pid}/stat`, 'utf8').catch(() => '');
    // Fields after the command name (which may hold spaces) start at "state".
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    const ticks = [11, 12, 13, 14].reduce((sum, field) => sum + Number(fields[field]), 0);
    seconds.set(service, ticks / ticksPerSecond);
  }
  return seconds;
}

/** Per service, consumer and event type: events handled, and the sums of handling time and lag. */
export type HandlingTotals = Map<
  string,
  { count: number; durationSeconds: number; lagSeconds: number }
>;

/** The consumers' own histograms (mediabot_event_handling_duration/lag_seconds) from /metrics. */
export async function readHandling(stack: Stack): Promise<HandlingTotals> {
  const totals: HandlingTotals = new Map();
  for (const [service, child] of stack.processes) {
    if (!child.httpPort) continue;
    const text = await fetch(`http://127.0.0.1:${child.httpPort}/metrics`)
      .then((response) => response.text())
      .catch(() => '');
    const pattern =
      /^mediabot_event_(handling_duration|lag)_seconds_(sum|count)\{([^}]*)\} ([0-9.e+-]+)$/gm;
    for (const match of text.matchAll(pattern)) {
      const labels = match[3] ?? '';
      const consumer = /consumer="([^"]*)"/.exec(labels)?.[1] ?? '?';
      const type = /type="([^"]*)"/.exec(labels)?.[1] ?? '?';
      const key = `${service} | ${consumer} | ${type}`;
      const entry = totals.get(key) ?? { count: 0, durationSeconds: 0, lagSeconds: 0 };
      const value = Number(match[4]);
      if (match[1] === 'handling_duration' && match[2] === 'count') entry.count = value;
      if (match[1] === 'handling_duration' && match[2] === 'sum') entry.durationSeconds = value;
      if (match[1] === 'lag' && match[2] === 'sum') entry.lagSeconds = value;
      totals.set(key, entry);
    }
  }
  return totals;
}

/** Rows "service | consumer | type", handled, mean handling ms, mean lag ms, for what changed. */
export function handlingRows(before: HandlingTotals, after: HandlingTotals): string[][] {
  return [...after]
    .map(([key, total]) => {
      const earlier = before.get(key) ?? { count: 0, durationSeconds: 0, lagSeconds: 0 };
      const count = total.count - earlier.count;
      return {
        key,
        count,
        durationMs: ((total.durationSeconds - earlier.durationSeconds) * 1000) / count,
        lagMs: ((total.lagSeconds - earlier.lagSeconds) * 1000) / count,
      };
    })
    .filter((row) => row.count > 0)
    .sort((a, b) => b.count * b.durationMs - a.count * a.durationMs)
    .map((row) => [
      ...row.key.split(' | '),
      String(row.count),
      row.durationMs.toFixed(1),
      row.lagMs.toFixed(0),
    ]);
}

export const handlingHeaders = [
  'service',
  'consumer',
  'event type',
  'handled',
  'mean handling ms',
  'mean lag ms (occurred → handled; +~500 ms for events dated by a Telegram update, whole seconds)',
];

export function memoryHeaders(labels: string[]): string[] {
  return [
    'process',
    ...labels.flatMap((label) => [`${label} RSS MiB`, `${label} peak MiB`]),
    'idle ≤ 150 MiB',
  ];
}

export async function uptimeLine(): Promise<string> {
  const { stdout } = await promisify(execFile)('uptime');
  return stdout.trim();
}

/** Load average every `everyMs` while a benchmark runs: the machine is shared. */
export function sampleLoad(everyMs = 5_000): { stop(): number[] } {
  const samples: number[] = [];
  const read = () =>
    void readFile('/proc/loadavg', 'utf8').then((text) => samples.push(Number(text.split(' ')[0])));
  read();
  const timer = setInterval(read, everyMs);
  return {
    stop() {
      clearInterval(timer);
      return samples;
    },
  };
}

/** How this run was started, to print with its results. */
export function commandLine(): string {
  const script = process.argv[1]?.replace(/^.*\/bench\//, 'bench/') ?? '';
  return ['node', script, ...process.argv.slice(2)].join(' ');
}

/**
 * What each service's database sessions are doing, sampled every 10 ms from pg_stat_activity
 * (the services name their connections): state, wait event and the statement's first words.
 * Shows where a handler that uses little CPU spends its time.
 */
export async function sampleSessions(
  databaseUrl: string,
): Promise<{ stop(): Promise<{ counts: Map<string, number>; samples: number }> }> {
  const client = new pg.Client({ connectionString: databaseUrl, application_name: 'bench' });
  await client.connect();
  const counts = new Map<string, number>();
  let samples = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const { rows } = await client.query<{ key: string }>(
        `select coalesce(nullif(application_name, ''), '?') || ' | ' || state || ' | ' ||
                coalesce(wait_event_type || ':' || wait_event, 'CPU') || ' | ' ||
                regexp_replace(left(query, 60), '[[:space:]]+', ' ', 'g') as key
           from pg_stat_activity
          where datname = current_database() and pid <> pg_backend_pid()
            and application_name not like 'bench%'
            and state in ('active', 'idle in transaction')`,
      );
      samples += 1;
      for (const { key } of rows) counts.set(key, (counts.get(key) ?? 0) + 1);
      await sleep(10);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      await client.end();
      return { counts, samples };
    },
  };
}

export const sessionHeaders = ['service', 'state', 'waiting on', 'statement', 'sessions (mean)'];

/** The most frequent session states: mean number of sessions found in each. */
export function sessionRows(
  sampled: { counts: Map<string, number>; samples: number },
  top = 12,
): string[][] {
  return [...sampled.counts]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([key, count]) => [
      ...key.split(' | ').map((part) => `\`${part.replace(/\|/g, '/')}\``),
      (count / Math.max(1, sampled.samples)).toFixed(2),
    ]);
}

/**
 * One-row autocommit inserts on the product's database server: what a commit (a WAL flush)
 * costs on this disk right now. Every handled event commits at least once.
 */
export async function commitLatency(bench: JourneyBench, commits = 200): Promise<Percentiles> {
  const { pool } = bench.database.open(1);
  try {
    await pool.query('create table if not exists bench_commit_probe (id serial, at timestamptz)');
    const timings: number[] = [];
    for (let index = 0; index < commits; index += 1) {
      const started = performance.now();
      await pool.query('insert into bench_commit_probe (at) values (now())');
      timings.push(performance.now() - started);
    }
    await pool.query('drop table bench_commit_probe');
    return summarize(timings);
  } finally {
    await pool.end();
  }
}

export const log = (message: string) =>
  process.stderr.write(`[${new Date().toISOString().slice(11, 23)}] ${message}\n`);

export interface JourneyBench {
  stack: Stack;
  fake: TelegramFake;
  driver: TelegramDriver;
  clock: CallClock;
  media: SampleMedia;
  /** Serves the sample media (packages/sample-media). */
  server: MediaServer;
  database: BenchDatabase;
  vhost: BenchVhost;
  workDir: string;
  /** Names this stack's exchanges and queues (`<prefix>.events`). */
  prefix: string;
  /** The last lines the services logged (warn and above), for a failure report. */
  logTail(lines?: number): string[];
  close(): Promise<void>;
}

type ServiceEnv = Partial<Record<ServiceName | 'relay', Record<string, string>>>;

/**
 * `--env <service>:<NAME>=<value>` (repeatable) from argv: settings for a diagnostic rerun, e.g.
 * `--env relay:RELAY_POLL_INTERVAL_MS=50`. They win over the benchmark's own.
 */
export function serviceEnvFromArgs(argv = process.argv): ServiceEnv {
  const env: ServiceEnv = {};
  argv.forEach((argument, index) => {
    if (argument !== '--env') return;
    const match = /^([a-z-]+):([A-Z0-9_]+)=(.*)$/.exec(argv[index + 1] ?? '');
    if (!match) throw new Error(`--env wants <service>:<NAME>=<value>, got ${argv[index + 1]}`);
    const [, service, name, value] = match as unknown as [string, ServiceName, string, string];
    env[service] = { ...env[service], [name]: value };
  });
  return env;
}

/** "relay RELAY_POLL_INTERVAL_MS=50; notifier …" for the report, or "none". */
export function describeServiceEnv(env: ServiceEnv): string {
  const parts = Object.entries(env).map(
    ([service, values]) =>
      `${service} ${Object.entries(values ?? {})
        .map(([name, value]) => `${name}=${value}`)
        .join(' ')}`,
  );
  return parts.length > 0 ? parts.join('; ') : 'none (product defaults)';
}

function mergeEnv(base: ServiceEnv, extra: ServiceEnv): ServiceEnv {
  const merged: ServiceEnv = { ...base };
  for (const [service, values] of Object.entries(extra) as [ServiceName, Record<string, string>][])
    merged[service] = { ...merged[service], ...values };
  return merged;
}

export interface JourneyBenchOptions {
  name: string;
  /** Settings of the benchmark itself; `--env` arguments are added on top. */
  serviceEnv?: ServiceEnv;
  /** More loopback ports links may point at (a benchmark's own media server). */
  linkPorts?: number[];
  /** The S3 server in a process of its own (bench/support/outside-world.ts), not in this one. */
  s3InOwnProcess?: boolean;
  logLevel?: string;
}

/**
 * A database and vhost of the benchmark's own, the sample media server, and the product started
 * with a unique prefix. `close()` stops and removes all of it; it also runs on SIGINT/SIGTERM.
 */
export async function startJourneyBench(options: JourneyBenchOptions): Promise<JourneyBench> {
  const workDir = await mkdtemp(join(tmpdir(), `mediabot-bench-${options.name}-`));
  const [database, vhost, media, urls] = await Promise.all([
    createBenchDatabase(options.name),
    createBenchVhost(options.name),
    ensureSampleMedia(),
    serviceUrls(),
  ]);
  const server = await startMediaServer({ dir: media.dir });
  const logs: string[] = [];
  // Every service log line goes here too when set (diagnosis: LOG_LEVEL info and timestamps).
  const logFile = process.env.MEDIABOT_BENCH_LOG_FILE;
  const cleanups: (() => Promise<unknown>)[] = [
    () => rm(workDir, { recursive: true, force: true }),
    () => database.drop(),
    () => vhost.remove(),
    () => server.close(),
  ];
  let closed: Promise<void> | undefined;
  const close = () =>
    (closed ??= (async () => {
      for (const cleanup of cleanups.reverse()) {
        await cleanup().catch((error: unknown) => log(`cleanup: ${String(error)}`));
      }
    })());
  const onSignal = () => void close().finally(() => process.exit(130));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    const prefix = `bench${basename(workDir)
      .replace(/[^a-z0-9]/gi, '')
      .toLowerCase()
      .slice(-12)}`;
    log(`starting the stack (prefix ${prefix}, database ${database.name})`);
    const startedAt = performance.now();
    let s3: S3Settings | undefined;
    if (options.s3InOwnProcess) {
      const credentials = { accessKey: 'mediabot-bench', secretKey: 'mediabot-bench-secret' };
      const outside = await startOutsideS3(join(workDir, 's3'), credentials);
      cleanups.push(() => outside.close());
      s3 = { endpoint: outside.url, region: 'us-east-1', ...credentials };
    }
    const stack = await startStack({
      ...(s3 === undefined ? {} : { s3 }),
      databaseUrl: database.url,
      rabbitmqUrl: vhost.url,
      redisUrl: urls.redis,
      prefix,
      workDir,
      telegram: { kind: 'fake' },
      allowLoopbackLinks: { ports: [server.port, ...(options.linkPorts ?? [])] },
      logLevel: options.logLevel ?? process.env.MEDIABOT_BENCH_LOG_LEVEL ?? 'warn',
      readyTimeoutMs: 180_000,
      log: (source, line) => {
        logs.push(`${source} | ${line}`);
        if (logFile) appendFileSync(logFile, `${source} | ${line}\n`);
        if (logs.length > 2_000) logs.splice(0, 1_000);
      },
      serviceEnv: mergeEnv(options.serviceEnv ?? {}, serviceEnvFromArgs()),
    });
    cleanups.push(() => stack.stop());
    log(`stack ready in ${((performance.now() - startedAt) / 1000).toFixed(1)} s`);
    const fake = stack.telegram.fake!;
    const clock = new CallClock(fake);
    const driver = createTelegramDriver(fake);
    await driver.waitForPolling(60_000);
    return {
      stack,
      fake,
      driver,
      clock,
      media,
      server,
      database,
      vhost,
      workDir,
      prefix,
      logTail: (lines = 40) => logs.slice(-lines),
      close: async () => {
        clock.stop();
        await close();
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      },
    };
  } catch (error) {
    log(logs.slice(-40).join('\n'));
    await close();
    throw error;
  }
}

/** The events of the run from the log, for per-stage timings. */
export async function eventsWhere(
  bench: JourneyBench,
  condition: { requestId?: string; cacheKey?: string },
): Promise<{ eventId: string; type: string; recordedAt: number; data: Record<string, unknown> }[]> {
  const { pool } = bench.database.open(1);
  try {
    const { rows } = await pool.query<{
      event_id: string;
      type: string;
      recorded_at: Date;
      data: Record<string, unknown>;
    }>(
      `select event_id, type, recorded_at, data from eventstore.events
        where ($1::text is not null and data->>'requestId' = $1)
           or ($2::text is not null and data->>'cacheKey' = $2)
        order by global_position`,
      [condition.requestId ?? null, condition.cacheKey ?? null],
    );
    return rows.map((row) => ({
      eventId: row.event_id,
      type: row.type,
      recordedAt: row.recorded_at.getTime(),
      data: row.data,
    }));
  } finally {
    await pool.end();
  }
}

/**
 * A queue of the benchmark's own bound to every event the relay publishes: when each event
 * reached RabbitMQ (by event id), next to when it was appended and when the bot answered.
 */
export async function startEventTap(
  bench: JourneyBench,
): Promise<{ arrivals: Map<string, number>; stop(): Promise<void> }> {
  const connection = await amqp.connect(bench.vhost.url);
  const channel = await connection.createChannel();
  const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true });
  await channel.bindQueue(queue, `${bench.prefix}.events`, '#');
  const arrivals = new Map<string, number>();
  await channel.consume(
    queue,
    (message) => {
      const id = message?.properties.messageId as string | undefined;
      if (id) arrivals.set(id, Date.now());
    },
    { noAck: true },
  );
  return {
    arrivals,
    async stop() {
      await channel.close().catch(() => {});
      await connection.close().catch(() => {});
    },
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
