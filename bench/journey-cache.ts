// Cache hits through the whole product: a link delivered once, then many users send the same
// link and pick the same quality. Measured: link → offer keyboard (the probe), and the quality
// button's callback update → the video re-sent by file_id (sendVideo with a file_id string).
// Run: node bench/journey-cache.ts [--users 200] [--probe-rate 2] [--click-rate 5]
//      [--per-chat-rate 1]   (the notifier's RATE_PER_CHAT_PER_SECOND; 1 is the product default)
import { basename } from 'node:path';
import type { SimulatedUserHandle, TranscriptMessage } from '@mediabot/telegram-fake';
import {
  isFileIdSend,
  isUploadSend,
  keyboardOf,
  log,
  openLoop,
  percentileHeaders,
  percentileRow,
  sampleLoad,
  sleep,
  startJourneyBench,
  summarize,
  uptimeLine,
  type JourneyBench,
  type TimedCall,
  isVideoChoice,
} from './journey-support.ts';
import { describeMachine, machineInfo, markdownTable, option } from './support/report.ts';
import { sampleOldestTransaction } from './support/waits.ts';

const userCount = option('users', 200);
const probeRate = option('probe-rate', 2);
const clickRate = option('click-rate', 5);
const perChatRate = option('per-chat-rate', 1);
const waitMs = 180_000;
const hasOffer = (call: TimedCall) =>
  call.ok && keyboardOf(call).some((b) => isVideoChoice(b.text));

function offerEntry(user: SimulatedUserHandle): TranscriptMessage | undefined {
  return user
    .transcript()
    .find(
      (entry) =>
        entry.sender === 'bot' &&
        !entry.deleted &&
        (entry.message.reply_markup?.inline_keyboard.flat() ?? []).some((b) =>
          isVideoChoice(b.text),
        ),
    );
}

async function countEvents(bench: JourneyBench, type: string): Promise<number> {
  const { pool } = bench.database.open(1);
  try {
    const { rows } = await pool.query<{ count: number }>(
      'select count(*)::int as count from eventstore.events where type = $1',
      [type],
    );
    return rows[0]?.count ?? 0;
  } finally {
    await pool.end();
  }
}

/** recorded_at of each event of the given types, by the update that caused it (via requestId). */
async function requestTimeline(
  bench: JourneyBench,
): Promise<Map<string, { type: string; recordedAt: number }[]>> {
  const { pool } = bench.database.open(1);
  try {
    const { rows } = await pool.query<{ request_id: string; type: string; recorded_at: Date }>(
      `select data->>'requestId' as request_id, type, recorded_at from eventstore.events
        where data ? 'requestId' order by global_position`,
    );
    const byRequest = new Map<string, { type: string; recordedAt: number }[]>();
    for (const row of rows) {
      const list = byRequest.get(row.request_id) ?? [];
      list.push({ type: row.type, recordedAt: row.recorded_at.getTime() });
      byRequest.set(row.request_id, list);
    }
    return byRequest;
  } finally {
    await pool.end();
  }
}

async function requestIdsByChat(bench: JourneyBench): Promise<Map<number, string>> {
  const { pool } = bench.database.open(1);
  try {
    const { rows } = await pool.query<{ chat_id: string; request_id: string }>(
      `select data->>'chatId' as chat_id, data->>'requestId' as request_id
         from eventstore.events where type = 'download.requested'`,
    );
    return new Map(rows.map((row) => [Number(row.chat_id), row.request_id]));
  } finally {
    await pool.end();
  }
}

const uptimeBefore = await uptimeLine();
const load = sampleLoad();
const bench = await startJourneyBench({
  name: 'cache',
  serviceEnv: { notifier: { RATE_PER_CHAT_PER_SECOND: String(perChatRate) } },
});
try {
  const machine = await machineInfo(bench.database.serverUrl);
  const { driver, clock } = bench;
  const link = bench.server.urlOf(basename(bench.media.mp4Small));
  let nextId = 3_000_000;
  const newUser = () => driver.user({ id: nextId++, first_name: 'Cache', language_code: 'en' });

  log('warming the cache: one user, one download and upload');
  const first = newUser();
  const warmStart = Date.now();
  first.sendText(link);
  if (!(await clock.next(first.chatId, warmStart, hasOffer, waitMs))) throw new Error('no offer');
  const firstOffer = offerEntry(first)!;
  const chosenQuality = firstOffer.message
    .reply_markup!.inline_keyboard.flat()
    .find((b) => isVideoChoice(b.text))!.text;
  first.clickButton(firstOffer, chosenQuality);
  const upload = await clock.next(first.chatId, warmStart, isUploadSend, waitMs);
  if (!upload) throw new Error('the first request was not delivered');
  const warmSeconds = (upload.finishedAt - warmStart) / 1000;
  // storage records the file_id from download.delivered; wait until it is in the log.
  while ((await countEvents(bench, 'download.delivered')) < 1) await sleep(200);
  await sleep(1000);
  const fetchesAfterWarm = await countEvents(bench, 'download.fetched');

  const oldestTransaction = await sampleOldestTransaction(bench.database.serverUrl);
  const users = Array.from({ length: userCount }, newUser);
  log(`probe phase: ${userCount} users send the link at ${probeRate}/s`);
  const linkSentAt = new Map<number, number>();
  const offers: Promise<TimedCall | undefined>[] = [];
  const probeLoop = await openLoop(users.length, probeRate, (index) => {
    const user = users[index]!;
    const sentAt = Date.now();
    user.sendText(link);
    linkSentAt.set(user.chatId, sentAt);
    offers.push(clock.next(user.chatId, sentAt, hasOffer, waitMs));
  });
  const offerCalls = await Promise.all(offers);
  log(`probe phase: ${offerCalls.filter(Boolean).length}/${userCount} offers`);

  log(`click phase: ${userCount} users pick ${chosenQuality} at ${clickRate}/s`);
  const clickedAt = new Map<number, number>();
  const sends: Promise<TimedCall | undefined>[] = [];
  const clickLoop = await openLoop(users.length, clickRate, (index) => {
    const user = users[index]!;
    const offer = offerEntry(user);
    if (!offer) {
      sends.push(Promise.resolve(undefined));
      return;
    }
    const at = Date.now();
    user.clickButton(offer, chosenQuality);
    clickedAt.set(user.chatId, at);
    sends.push(clock.next(user.chatId, at, isFileIdSend, waitMs));
  });
  const sendCalls = await Promise.all(sends);
  log(`click phase: ${sendCalls.filter(Boolean).length}/${userCount} videos re-sent by file_id`);
  const xmin = await oldestTransaction.stop();

  const probeLatencies = offerCalls.flatMap((call, index) =>
    call ? [call.startedAt - linkSentAt.get(users[index]!.chatId)!] : [],
  );
  const firstAnswers = users.flatMap((user) => {
    const sentAt = linkSentAt.get(user.chatId)!;
    const answer = clock.first(user.chatId, sentAt, (call) => call.method === 'sendMessage');
    return answer ? [answer.startedAt - sentAt] : [];
  });
  const hitLatencies = sendCalls.flatMap((call, index) =>
    call ? [call.startedAt - clickedAt.get(users[index]!.chatId)!] : [],
  );
  const uploadsAfterWarm = users.reduce(
    (sum, user) => sum + clock.calls(user.chatId).filter((call) => isUploadSend(call)).length,
    0,
  );
  const fetchesAtEnd = await countEvents(bench, 'download.fetched');

  // Between the click and the file_id send: which calls the notifier made in the chat, and when
  // the events on the way were recorded.
  const callsBefore = new Map<string, number>();
  for (const user of users) {
    const at = clickedAt.get(user.chatId);
    const sent = at === undefined ? undefined : clock.first(user.chatId, at, isFileIdSend);
    if (at === undefined || !sent) continue;
    const between = clock
      .calls(user.chatId)
      .filter((call) => call.startedAt >= at && call.startedAt <= sent.startedAt && call !== sent)
      .map((call) => call.method)
      .join(' + ');
    callsBefore.set(between || '(none)', (callsBefore.get(between || '(none)') ?? 0) + 1);
  }
  const requestIds = await requestIdsByChat(bench);
  const timelines = await requestTimeline(bench);
  const stage = {
    'click → download.quality-chosen appended (gateway)': [] as number[],
    'quality-chosen → format-selected (downloader)': [] as number[],
    'format-selected → cache-hit (storage)': [] as number[],
    'cache-hit appended → sendVideo(file_id) reaches the fake (relay + notifier)': [] as number[],
  };
  for (const user of users) {
    const at = clickedAt.get(user.chatId);
    const sent = at === undefined ? undefined : clock.first(user.chatId, at, isFileIdSend);
    const timeline = timelines.get(requestIds.get(user.chatId) ?? '');
    if (at === undefined || !sent || !timeline) continue;
    const when = (type: string) => timeline.find((event) => event.type === type)?.recordedAt;
    const chosen = when('download.quality-chosen');
    const selected = when('download.format-selected');
    const hit = when('download.cache-hit');
    if (chosen === undefined || selected === undefined || hit === undefined) continue;
    const values = Object.values(stage);
    values[0]!.push(chosen - at);
    values[1]!.push(selected - chosen);
    values[2]!.push(hit - selected);
    values[3]!.push(sent.startedAt - hit);
  }
  const loadSamples = load.stop();
  const uptimeAfter = await uptimeLine();

  console.log(
    [
      `### Cache hits, ${userCount} users (\`node bench/journey-cache.ts --users ${userCount} --probe-rate ${probeRate} --click-rate ${clickRate} --per-chat-rate ${perChatRate}\`)`,
      '',
      describeMachine(machine),
      `- uptime before: \`${uptimeBefore}\``,
      `- uptime after: \`${uptimeAfter}\``,
      `- 1-min load average sampled every 5 s during the run: min ${Math.min(...loadSamples).toFixed(2)}, max ${Math.max(...loadSamples).toFixed(2)}`,
      `- longest-running transaction on the PostgreSQL server during the phases: ${(xmin.maxAgeMs / 1000).toFixed(1)} s, ${xmin.holder}`,
      `- notifier RATE_PER_CHAT_PER_SECOND=${perChatRate} (burst ${Math.max(1, Math.ceil(perChatRate * 3))})`,
      `- warm-up (first user: link → offer → ${chosenQuality} → uploaded): ${warmSeconds.toFixed(1)} s`,
      `- offered: links ${(users.length / probeLoop.seconds).toFixed(2)}/s, clicks ${(users.length / clickLoop.seconds).toFixed(2)}/s`,
      `- downloads (download.fetched) after the warm-up: ${fetchesAfterWarm}, at the end: ${fetchesAtEnd}; uploads to the ${userCount} users: ${uploadsAfterWarm}`,
      '',
      markdownTable(
        [...percentileHeaders, 'missing'],
        [
          percentileRow('link → first sendMessage', summarize(firstAnswers), [
            String(userCount - firstAnswers.length),
          ]),
          percentileRow('link → offer keyboard (probe)', summarize(probeLatencies), [
            String(userCount - probeLatencies.length),
          ]),
          percentileRow('quality button → sendVideo(file_id)', summarize(hitLatencies), [
            String(userCount - hitLatencies.length),
          ]),
        ],
      ),
      '',
      'Between the click and the file_id send, calls the bot made in the chat (how many users):',
      '',
      markdownTable(
        ['calls', 'users'],
        [...callsBefore].sort((a, b) => b[1] - a[1]).map(([calls, n]) => [calls, String(n)]),
      ),
      '',
      'Where the cache-hit time goes (event recorded_at):',
      '',
      markdownTable(
        percentileHeaders,
        Object.entries(stage).map(([label, values]) => percentileRow(label, summarize(values))),
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
