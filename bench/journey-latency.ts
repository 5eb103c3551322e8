// Bot reply latency with many simulated users: from the moment the fake Bot API has a user's
// update to the bot's first sendMessage in that chat, through the whole product
// (gateway getUpdates → event store → relay → RabbitMQ → notifier → Bot API).
// Two phases, open loop: every user sends /start, then every user sends a link.
// Run: node bench/journey-latency.ts [--users 1000] [--rate 20] [--link-rate 20] [--idle 10]
import { basename } from 'node:path';
import type { SimulatedUserHandle } from '@mediabot/telegram-fake';
import {
  keyboardOf,
  log,
  memoryHeaders,
  memoryTable,
  openLoop,
  percentileHeaders,
  percentileRow,
  readMemory,
  sampleLoad,
  sleep,
  startEventTap,
  startJourneyBench,
  summarize,
  uptimeLine,
  type JourneyBench,
  type TimedCall,
} from './journey-support.ts';
import { describeMachine, machineInfo, markdownTable, option } from './support/report.ts';
import { sampleOldestTransaction } from './support/waits.ts';

const userCount = option('users', 1000);
const startRate = option('rate', 20);
const linkRate = option('link-rate', startRate);
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
}

async function runPhase(
  bench: JourneyBench,
  name: string,
  users: SimulatedUserHandle[],
  perSecond: number,
  text: (index: number) => string,
): Promise<PhaseResult> {
  log(`${name}: ${users.length} users at ${perSecond}/s`);
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
  log(`${name}: done, ${answers.filter(Boolean).length}/${users.length} answered`);
  return {
    name,
    offeredPerSecond: users.length / loop.seconds,
    lateMsMax: loop.lateMsMax,
    sent,
    answers,
  };
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

const uptimeBefore = await uptimeLine();
const load = sampleLoad();
const bench = await startJourneyBench({ name: 'latency' });
try {
  const machine = await machineInfo(bench.database.serverUrl);
  log(`idle ${idleSeconds} s before reading memory`);
  await sleep(idleSeconds * 1000);
  const idleMemory = await readMemory(bench.stack);

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
    await runPhase(bench, 'link', users, linkRate, () => link),
  ];
  const loadSeconds = (Date.now() - startedAt) / 1000;
  const xmin = await oldestTransaction.stop();
  const afterMemory = await readMemory(bench.stack);
  // The link phase's offers need one yt-dlp probe each: count how many came before we stop.
  const linkPhase = phases[1]!;
  const offered = linkPhase.sent.filter((entry) =>
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
      `### Bot reply latency, ${userCount} users (\`node bench/journey-latency.ts --users ${userCount} --rate ${startRate} --link-rate ${linkRate}\`)`,
      '',
      describeMachine(machine),
      `- uptime before: \`${uptimeBefore}\``,
      `- uptime after: \`${uptimeAfter}\``,
      `- 1-min load average sampled every 5 s during the run: min ${Math.min(...loadSamples).toFixed(2)}, max ${Math.max(...loadSamples).toFixed(2)}`,
      `- longest-running transaction seen on the PostgreSQL server during the load (it holds back the relay): ${(xmin.maxAgeMs / 1000).toFixed(1)} s, ${xmin.holder}`,
      `- load phases took ${loadSeconds.toFixed(0)} s; the scheduler was at most ${Math.max(...phases.map((phase) => phase.lateMsMax)).toFixed(0)} ms late on a planned send`,
      '',
      markdownTable(
        [...percentileHeaders, 'offered /s', 'no answer in 60 s', 'answer failed'],
        latencyRows,
      ),
      '',
      'Where the time goes (per update, from the fake call log, the event log and a queue of our own bound to the event exchange):',
      '',
      markdownTable(
        percentileHeaders,
        phases.flatMap((phase) => stageRows(phase, bench, events, tap.arrivals)),
      ),
      '',
      `Offers (quality keyboards) received for the ${userCount} links by the end of the link phase: ${offered} (each needs a yt-dlp probe; the rest were still queued when the benchmark stopped).`,
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
}
