// Bot reply latency with many simulated users: from the moment the fake Bot API has a user's
// update to the bot's first sendMessage in that chat, through the whole product
// (gateway getUpdates → event store → relay → RabbitMQ → notifier → Bot API).
// Two phases, open loop: every user sends /start, then every user sends a link.
// Run: node bench/journey-latency.ts [--users 1000] [--rate 20] [--link-rate 20] [--link-users 1000]
//      [--idle 10] [--nice-yt-dlp 1] [--env <service>:<NAME>=<value> …]
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { SimulatedUserHandle } from '@mediabot/telegram-fake';
import {
  keyboardOf,
  log,
  memoryHeaders,
  memoryTable,
  openLoop,
  percentileHeaders,
  percentileRow,
  handlingHeaders,
  handlingRows,
  commitLatency,
  readCpuSeconds,
  readHandling,
  sampleSessions,
  sessionHeaders,
  sessionRows,
  readMemory,
  sampleLoad,
  sleep,
  startEventTap,
  startJourneyBench,
  summarize,
  uptimeLine,
  type JourneyBench,
  type TimedCall,
  describeServiceEnv,
  serviceEnvFromArgs,
  commandLine,
} from './journey-support.ts';
import { describeMachine, formatMs, machineInfo, markdownTable, option } from './support/report.ts';
import { sampleOldestTransaction, sampleWaits, topWaits } from './support/waits.ts';

const userCount = option('users', 1000);
const startRate = option('rate', 20);
const linkRate = option('link-rate', startRate);
/** How many of the users send a link after /start (0: the /start phase only). */
const linkUsers = Math.min(userCount, option('link-users', userCount));
const niceYtDlp = option('nice-yt-dlp', 0) > 0;
const idleSeconds = option('idle', 10);
/** How long after its update a user's answer may still come (later counts as missing). */
const answerTimeoutMs = 60_000;
const languages = ['en', 'fr', 'es', 'ru'] as const;

interface Sent {
  chatId: number;
  updateId: number | undefined;
  sentAt: number;
  answer: Promise<TimedCall | undefined>;
}

interface PhaseResult {
  name: string;
  offeredPerSecond: number;
  lateMsMax: number;
  sent: Sent[];
  answers: (TimedCall | undefined)[];
  /** CPU seconds each process used from the first send to the last answer. */
  cpuSeconds: Map<string, number>;
  seconds: number;
  /** What each consumer handled during the phase, from the services' own metrics. */
  handling: string[][];
  /** What the database's active sessions waited on during the phase (sampled every 10 ms). */
  waits: string;
  /** The busiest session states, by service and statement. */
  sessions: string[][];
  /** Event-loop delay of this process (it hosts the fake Bot API, media server and S3), ms. */
  ownLoopDelayMs: { p50: number; p99: number; max: number };
}

async function runPhase(
  bench: JourneyBench,
  name: string,
  users: SimulatedUserHandle[],
  perSecond: number,
  text: (index: number) => string,
): Promise<PhaseResult> {
  log(`${name}: ${users.length} users at ${perSecond}/s`);
  const cpuBefore = await readCpuSeconds(bench.stack);
  const handlingBefore = await readHandling(bench.stack);
  const waits = await sampleWaits(bench.database.url);
  const sessions = await sampleSessions(bench.database.url);
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  const startedAt = performance.now();
  const sent: Sent[] = [];
  const loop = await openLoop(users.length, perSecond, (index) => {
    const user = users[index]!;
    const sentAt = Date.now();
    const action = user.sendText(text(index));
    sent.push({
      chatId: user.chatId,
      updateId: action.update?.update_id,
      sentAt,
      answer: bench.clock.next(
        user.chatId,
        sentAt,
        (call) => call.method === 'sendMessage',
        answerTimeoutMs,
      ),
    });
  });
  const answers = await Promise.all(sent.map((entry) => entry.answer));
  loopDelay.disable();
  const waitCounts = await waits.stop();
  const sessionCounts = await sessions.stop();
  const cpuAfter = await readCpuSeconds(bench.stack);
  const handling = handlingRows(handlingBefore, await readHandling(bench.stack));
  log(`${name}: done, ${answers.filter(Boolean).length}/${users.length} answered`);
  return {
    name,
    offeredPerSecond: users.length / loop.seconds,
    lateMsMax: loop.lateMsMax,
    sent,
    answers,
    cpuSeconds: new Map(
      [...cpuAfter].map(([service, used]) => [service, used - (cpuBefore.get(service) ?? 0)]),
    ),
    seconds: (performance.now() - startedAt) / 1000,
    handling,
    waits: topWaits(waitCounts, 5),
    sessions: sessionRows(sessionCounts, 10),
    // The histogram holds the time between 10 ms timer ticks: lateness is what exceeds 10 ms.
    ownLoopDelayMs: {
      p50: Math.max(0, loopDelay.percentile(50) / 1e6 - 10),
      p99: Math.max(0, loopDelay.percentile(99) / 1e6 - 10),
      max: Math.max(0, loopDelay.max / 1e6 - 10),
    },
  };
}

function cpuRows(phases: PhaseResult[]): string[][] {
  const services = [...(phases[0]?.cpuSeconds.keys() ?? [])].sort();
  return services.map((service) => [
    service,
    ...phases.flatMap((phase) => {
      const used = phase.cpuSeconds.get(service) ?? Number.NaN;
      return [
        ((used * 1000) / phase.sent.length).toFixed(1),
        `${((used / phase.seconds) * 100).toFixed(0)}%`,
      ];
    }),
  ]);
}

interface GatewayEvent {
  eventId: string;
  type: string;
  updateId: number;
  recordedAt: number;
}

async function gatewayEvents(bench: JourneyBench): Promise<Map<number, GatewayEvent>> {
  const { pool } = bench.database.open(1);
  try {
    const { rows } = await pool.query<{
      event_id: string;
      type: string;
      update_id: string;
      recorded_at: Date;
    }>(
      `select event_id, type, data->>'updateId' as update_id, recorded_at from eventstore.events
        where type in ('conversation.command-received', 'download.requested')`,
    );
    return new Map(
      rows.map((row) => [
        Number(row.update_id),
        {
          eventId: row.event_id,
          type: row.type,
          updateId: Number(row.update_id),
          recordedAt: row.recorded_at.getTime(),
        },
      ]),
    );
  } finally {
    await pool.end();
  }
}

function stageRows(
  phase: PhaseResult,
  bench: JourneyBench,
  events: Map<number, GatewayEvent>,
  arrivals: Map<string, number>,
): string[][] {
  const stages = {
    'update → gateway has it (getUpdates returned)': [] as number[],
    'gateway has it → event appended (recorded_at)': [] as number[],
    'appended → in RabbitMQ (relay)': [] as number[],
    'in RabbitMQ → sendMessage reaches the fake (notifier)': [] as number[],
  };
  phase.sent.forEach((entry, index) => {
    const answer = phase.answers[index];
    const fetched =
      entry.updateId === undefined ? undefined : bench.clock.fetchedUpdates.get(entry.updateId);
    const event = entry.updateId === undefined ? undefined : events.get(entry.updateId);
    const inBroker = event ? arrivals.get(event.eventId) : undefined;
    if (!answer || fetched === undefined || !event || inBroker === undefined) return;
    const values = Object.values(stages);
    values[0]!.push(fetched - entry.sentAt);
    values[1]!.push(event.recordedAt - fetched);
    values[2]!.push(inBroker - event.recordedAt);
    values[3]!.push(answer.startedAt - inBroker);
  });
  return Object.entries(stages).map(([label, values]) =>
    percentileRow(`${phase.name}: ${label}`, summarize(values)),
  );
}

/** p50/p95 of the first-answer latency per 10 s of the phase: warm-up, drift, bursts. */
function windowRows(phase: PhaseResult): string[][] {
  const first = phase.sent[0]?.sentAt ?? 0;
  const windows = new Map<number, number[]>();
  phase.sent.forEach((entry, index) => {
    const answer = phase.answers[index];
    if (!answer) return;
    const window = Math.floor((entry.sentAt - first) / 10_000);
    windows.set(window, [...(windows.get(window) ?? []), answer.startedAt - entry.sentAt]);
  });
  return [...windows].map(([window, values]) => {
    const stats = summarize(values);
    return [
      phase.name,
      `${window * 10}-${window * 10 + 10}`,
      String(stats.count),
      ...[stats.p50, stats.p95, stats.max].map((value) => value.toFixed(0)),
    ];
  });
}

/**
 * yt-dlp at the lowest CPU priority, through a wrapper given as YT_DLP_PATH: on this 2-core box
 * the probes of a link flood otherwise take the CPU from every other process, which in
 * production run on other machines than the downloader's.
 */
async function niceYtDlpWrapper(): Promise<{ path: string; remove(): Promise<void> }> {
  const directory = await mkdtemp(join(tmpdir(), 'bench-nice-yt-dlp-'));
  const path = join(directory, 'yt-dlp');
  await writeFile(path, '#!/bin/sh\nexec nice -n 19 yt-dlp "$@"\n', { mode: 0o755 });
  return { path, remove: () => rm(directory, { recursive: true, force: true }) };
}

const uptimeBefore = await uptimeLine();
const load = sampleLoad();
const wrapper = niceYtDlp ? await niceYtDlpWrapper() : undefined;
const bench = await startJourneyBench({
  name: 'latency',
  ...(wrapper ? { serviceEnv: { downloader: { YT_DLP_PATH: wrapper.path } } } : {}),
});
try {
  const machine = await machineInfo(bench.database.serverUrl);
  log(`idle ${idleSeconds} s before reading memory`);
  await sleep(idleSeconds * 1000);
  const idleMemory = await readMemory(bench.stack);
  const commits = await commitLatency(bench);

  const tap = await startEventTap(bench);
  const oldestTransaction = await sampleOldestTransaction(bench.database.serverUrl);
  const users = Array.from({ length: userCount }, (_, index) =>
    bench.driver.user({
      id: 2_000_000 + index,
      first_name: `User${index}`,
      language_code: languages[index % languages.length]!,
    }),
  );
  const link = bench.server.urlOf(basename(bench.media.mp4Small));
  const startedAt = Date.now();
  const phases = [
    await runPhase(bench, '/start', users, startRate, () => '/start'),
    ...(linkUsers > 0
      ? [await runPhase(bench, 'link', users.slice(0, linkUsers), linkRate, () => link)]
      : []),
  ];
  const loadSeconds = (Date.now() - startedAt) / 1000;
  const xmin = await oldestTransaction.stop();
  const afterMemory = await readMemory(bench.stack);
  // The link phase's offers need one yt-dlp probe each: count how many came before we stop.
  const offered = (phases[1]?.sent ?? []).filter((entry) =>
    bench.clock
      .calls(entry.chatId)
      .some((call) => call.startedAt >= entry.sentAt && keyboardOf(call).length > 1),
  ).length;
  const events = await gatewayEvents(bench);
  await tap.stop();
  const loadSamples = load.stop();
  const uptimeAfter = await uptimeLine();

  const latencyRows = phases.map((phase) => {
    const latencies = phase.answers.flatMap((answer, index) =>
      answer ? [answer.startedAt - phase.sent[index]!.sentAt] : [],
    );
    const failed = phase.answers.filter((answer) => answer && !answer.ok).length;
    return percentileRow(`${phase.name}: update → first sendMessage`, summarize(latencies), [
      phase.offeredPerSecond.toFixed(1),
      String(phase.sent.length - latencies.length),
      String(failed),
    ]);
  });

  console.log(
    [
      `### Bot reply latency, ${userCount} users: /start at ${startRate}/s${linkUsers > 0 ? `, then ${linkUsers} send a link at ${linkRate}/s` : ''} (\`${commandLine()}\`)`,
      '',
      describeMachine(machine),
      `- yt-dlp at nice 19 (--nice-yt-dlp 1): ${niceYtDlp ? 'yes' : 'no'}`,
      `- settings changed with --env: ${describeServiceEnv(serviceEnvFromArgs())}`,
      `- uptime before: \`${uptimeBefore}\``,
      `- uptime after: \`${uptimeAfter}\``,
      `- 1-min load average sampled every 5 s during the run: min ${Math.min(...loadSamples).toFixed(2)}, max ${Math.max(...loadSamples).toFixed(2)}`,
      `- one autocommit insert on this PostgreSQL (a WAL flush; ${commits.count} before the load): p50 ${formatMs(commits.p50)} ms, p95 ${formatMs(commits.p95)} ms, max ${formatMs(commits.max)} ms (synchronous_commit on, fdatasync)`,
      `- longest-running transaction seen on the PostgreSQL server during the load (it holds back the relay): ${(xmin.maxAgeMs / 1000).toFixed(1)} s, ${xmin.holder}`,
      ...phases.map(
        (phase) =>
          `- event-loop lateness of the benchmark process (it hosts the fake Bot API, the media server and S3) during the ${phase.name} phase: p50 ${phase.ownLoopDelayMs.p50.toFixed(0)} ms, p99 ${phase.ownLoopDelayMs.p99.toFixed(0)} ms, max ${phase.ownLoopDelayMs.max.toFixed(0)} ms`,
      ),
      ...phases.map(
        (phase) =>
          `- what the product's database sessions were doing when active during the ${phase.name} phase (pg_stat_activity every 10 ms): ${phase.waits}`,
      ),
      `- load phases took ${loadSeconds.toFixed(0)} s; the scheduler was at most ${Math.max(...phases.map((phase) => phase.lateMsMax)).toFixed(0)} ms late on a planned send`,
      '',
      markdownTable(
        [...percentileHeaders, 'offered /s', 'no answer in 60 s', 'answer failed'],
        latencyRows,
      ),
      '',
      'The same latency per 10 s of each phase (ms):',
      '',
      markdownTable(
        ['phase', 'seconds', 'n', 'p50', 'p95', 'max'],
        phases.flatMap((phase) => windowRows(phase)),
      ),
      '',
      'CPU used by each process during each phase, with the children it waited for (yt-dlp, ffmpeg; from /proc/<pid>/stat): ms per update, and share of one core over the phase:',
      '',
      markdownTable(
        [
          'process',
          ...phases.flatMap((phase) => [`${phase.name} ms/update`, `${phase.name} core`]),
        ],
        cpuRows(phases),
      ),
      '',
      ...phases.flatMap((phase) => [
        `Events handled during the ${phase.name} phase, by consumer (from each service's /metrics; busiest first):`,
        '',
        markdownTable(handlingHeaders, phase.handling),
        '',
        `Database sessions of the product during the ${phase.name} phase (pg_stat_activity every 10 ms; mean number of sessions found in each state, busiest first):`,
        '',
        markdownTable(sessionHeaders, phase.sessions),
        '',
      ]),
      'Where the time goes (per update, from the fake call log, the event log and a queue of our own bound to the event exchange):',
      '',
      markdownTable(
        percentileHeaders,
        phases.flatMap((phase) => stageRows(phase, bench, events, tap.arrivals)),
      ),
      '',
      linkUsers > 0
        ? `Offers (quality keyboards) received for the ${linkUsers} links by the end of the link phase: ${offered} (each needs a probe and a status edit within the bot's Telegram budget; the rest were still queued when the benchmark stopped).`
        : 'No link phase in this run.',
      '',
      'RSS of each process (MiB): idle after start-up + ' +
        `${idleSeconds} s, and right after the load (peak = VmHWM so far):`,
      '',
      markdownTable(
        memoryHeaders(['idle', 'after load']),
        memoryTable([
          { label: 'idle', readings: idleMemory },
          { label: 'after load', readings: afterMemory },
        ]),
      ),
    ].join('\n'),
  );
} catch (error) {
  log(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  log(bench.logTail().join('\n'));
  process.exitCode = 1;
} finally {
  await bench.close();
  await wrapper?.remove();
}
