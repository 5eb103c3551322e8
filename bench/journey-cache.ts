// Cache hits through the whole product: a link delivered once, then many users send the same
// link and pick the same quality. Measured: link → offer keyboard (the probe), and the quality
// button's callback update → the video re-sent by file_id (sendVideo with a file_id string).
// Then other users set that quality as their default in /settings and send the link: measured
// link in → sendVideo(file_id), with no question asked.
// Run: node bench/journey-cache.ts [--users 200] [--probe-rate 2] [--click-rate 5]
//      [--preset-users 100] [--preset-rate 2]   (0 preset users: no default-quality phase)
//      [--env notifier:RATE_PER_CHAT_PER_SECOND=5]   (diagnosis: any service setting)
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
  handlingHeaders,
  handlingRows,
  readHandling,
  startEventTap,
  startJourneyBench,
  summarize,
  uptimeLine,
  type JourneyBench,
  type TimedCall,
  isVideoChoice,
  describeServiceEnv,
  serviceEnvFromArgs,
  commandLine,
} from './journey-support.ts';
import { describeMachine, machineInfo, markdownTable, option } from './support/report.ts';
import { sampleOldestTransaction } from './support/waits.ts';

const userCount = option('users', 200);
const probeRate = option('probe-rate', 2);
const clickRate = option('click-rate', 5);
const presetUserCount = option('preset-users', 100);
const presetRate = option('preset-rate', 2);
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
): Promise<Map<string, { eventId: string; type: string; recordedAt: number }[]>> {
  const { pool } = bench.database.open(1);
  try {
    const { rows } = await pool.query<{
      event_id: string;
      request_id: string;
      type: string;
      recorded_at: Date;
    }>(
      `select event_id, data->>'requestId' as request_id, type, recorded_at from eventstore.events
        where data ? 'requestId' order by global_position`,
    );
    const byRequest = new Map<string, { eventId: string; type: string; recordedAt: number }[]>();
    for (const row of rows) {
      const list = byRequest.get(row.request_id) ?? [];
      list.push({ eventId: row.event_id, type: row.type, recordedAt: row.recorded_at.getTime() });
      byRequest.set(row.request_id, list);
    }
    return byRequest;
  } finally {
    await pool.end();
  }
}

async function chosenQualityOf(bench: JourneyBench): Promise<string> {
  const { pool } = bench.database.open(1);
  try {
    const { rows } = await pool.query<{ quality: string }>(
      `select data->'option'->>'quality' as quality from eventstore.events
        where type = 'download.format-selected' order by global_position limit 1`,
    );
    if (rows[0] === undefined) throw new Error('no download.format-selected');
    return rows[0].quality;
  } finally {
    await pool.end();
  }
}

async function savedPreferences(bench: JourneyBench): Promise<number> {
  const { pool } = bench.database.open(1);
  try {
    const { rows } = await pool.query<{ count: number }>(
      'select count(*)::int as count from gateway_bot.user_preferences where default_quality is not null',
    );
    return rows[0]?.count ?? 0;
  } finally {
    await pool.end();
  }
}

/** /settings, then the quality button: the user's default quality is `label` from then on. */
async function setDefaultQuality(
  bench: JourneyBench,
  user: SimulatedUserHandle,
  label: string,
): Promise<boolean> {
  const at = Date.now();
  const isQualityButton = (button: { text: string }) => button.text === label;
  user.sendText('/settings');
  const settings = await bench.clock.next(
    user.chatId,
    at,
    (call) => call.ok && keyboardOf(call).some(isQualityButton),
    waitMs,
  );
  if (!settings) return false;
  const entry = user
    .transcript()
    .findLast(
      (message) =>
        message.sender === 'bot' &&
        (message.message.reply_markup?.inline_keyboard.flat() ?? []).some(isQualityButton),
    );
  if (!entry) return false;
  user.clickButton(entry, isQualityButton);
  return true;
}

type CallSequences = Map<string, { users: number; offsets: number[][] }>;

/** The bot's calls in each chat from `startedAt` to the file_id send, grouped by sequence. */
function callsUntilFileIdSend(
  clock: JourneyBench['clock'],
  users: readonly SimulatedUserHandle[],
  startedAt: ReadonlyMap<number, number>,
): CallSequences {
  const sequences: CallSequences = new Map();
  for (const user of users) {
    const at = startedAt.get(user.chatId);
    const sent = at === undefined ? undefined : clock.first(user.chatId, at, isFileIdSend);
    if (at === undefined || !sent) continue;
    const calls = clock
      .calls(user.chatId)
      .filter((call) => call.startedAt >= at && call.startedAt <= sent.startedAt);
    const key = calls.map((call) => call.method).join(' → ');
    const entry = sequences.get(key) ?? { users: 0, offsets: calls.map(() => []) };
    entry.users += 1;
    calls.forEach((call, index) => entry.offsets[index]?.push(call.startedAt - at));
    sequences.set(key, entry);
  }
  return sequences;
}

function callSequenceRows(sequences: CallSequences): string[][] {
  return [...sequences]
    .sort((a, b) => b[1].users - a[1].users)
    .map(([calls, entry]) => [
      calls,
      String(entry.users),
      entry.offsets.map((offsets) => summarize(offsets).p50.toFixed(0)).join(' → '),
    ]);
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
  const tap = await startEventTap(bench);
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
  const handlingBefore = await readHandling(bench.stack);
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
  const handling = handlingRows(handlingBefore, await readHandling(bench.stack));

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
  const callsBefore = callsUntilFileIdSend(clock, users, clickedAt);
  const requestIds = await requestIdsByChat(bench);
  const timelines = await requestTimeline(bench);
  const stage = {
    'click → download.quality-chosen appended (gateway)': [] as number[],
    'quality-chosen appended → in RabbitMQ (relay)': [] as number[],
    'quality-chosen → format-selected appended (relay + downloader)': [] as number[],
    'format-selected appended → in RabbitMQ (relay)': [] as number[],
    'format-selected → cache-hit appended (relay + storage)': [] as number[],
    'cache-hit appended → in RabbitMQ (relay)': [] as number[],
    'cache-hit in RabbitMQ → sendVideo(file_id) reaches the fake (notifier)': [] as number[],
  };
  for (const user of users) {
    const at = clickedAt.get(user.chatId);
    const sent = at === undefined ? undefined : clock.first(user.chatId, at, isFileIdSend);
    const timeline = timelines.get(requestIds.get(user.chatId) ?? '');
    if (at === undefined || !sent || !timeline) continue;
    const find = (type: string) => timeline.find((event) => event.type === type);
    const [chosen, selected, hit] = [
      'download.quality-chosen',
      'download.format-selected',
      'download.cache-hit',
    ].map(find);
    if (!chosen || !selected || !hit) continue;
    const [chosenIn, selectedIn, hitIn] = [chosen, selected, hit].map((event) =>
      tap.arrivals.get(event.eventId),
    );
    if (chosenIn === undefined || selectedIn === undefined || hitIn === undefined) continue;
    const values = Object.values(stage);
    values[0]!.push(chosen.recordedAt - at);
    values[1]!.push(chosenIn - chosen.recordedAt);
    values[2]!.push(selected.recordedAt - chosen.recordedAt);
    values[3]!.push(selectedIn - selected.recordedAt);
    values[4]!.push(hit.recordedAt - selected.recordedAt);
    values[5]!.push(hitIn - hit.recordedAt);
    values[6]!.push(sent.startedAt - hitIn);
  }
  const presetUsers = Array.from({ length: presetUserCount }, newUser);
  // The offer may call the top tier "Best video"; /settings names the tier itself.
  const chosenTier = await chosenQualityOf(bench);
  const qualityLabel = chosenTier === 'audio-mp3' ? 'Audio MP3' : chosenTier;
  const presetLinkSentAt = new Map<number, number>();
  const presetSends: (TimedCall | undefined)[] = [];
  let presetHandling: string[][] = [];
  let presetLoop = { seconds: 0, lateMsMax: 0 };
  let presetsSaved = 0;
  if (presetUserCount > 0) {
    log(`default-quality phase: ${presetUserCount} users set ${qualityLabel} in /settings`);
    const settingsDone: Promise<boolean>[] = [];
    await openLoop(presetUsers.length, clickRate, (index) => {
      settingsDone.push(setDefaultQuality(bench, presetUsers[index]!, qualityLabel));
    });
    await Promise.all(settingsDone);
    const deadline = Date.now() + waitMs;
    while ((presetsSaved = await savedPreferences(bench)) < presetUserCount) {
      if (Date.now() > deadline) break;
      await sleep(200);
    }
    log(
      `default-quality phase: ${presetsSaved}/${presetUserCount} saved; links at ${presetRate}/s`,
    );
    await sleep(1000);
    const presetHandlingBefore = await readHandling(bench.stack);
    const pending: Promise<TimedCall | undefined>[] = [];
    presetLoop = await openLoop(presetUsers.length, presetRate, (index) => {
      const user = presetUsers[index]!;
      const sentAt = Date.now();
      user.sendText(link);
      presetLinkSentAt.set(user.chatId, sentAt);
      pending.push(clock.next(user.chatId, sentAt, isFileIdSend, waitMs));
    });
    presetSends.push(...(await Promise.all(pending)));
    log(
      `default-quality phase: ${presetSends.filter(Boolean).length}/${presetUserCount} videos re-sent by file_id`,
    );
    presetHandling = handlingRows(presetHandlingBefore, await readHandling(bench.stack));
  }
  const presetLatencies = presetSends.flatMap((call, index) =>
    call ? [call.startedAt - presetLinkSentAt.get(presetUsers[index]!.chatId)!] : [],
  );
  const presetRequestIds = await requestIdsByChat(bench);
  const presetTimelines = await requestTimeline(bench);
  const presetStage = {
    'link → download.requested appended (gateway)': [] as number[],
    'requested → download.probed + format-selected appended (relay + downloader)': [] as number[],
    'format-selected → download.cache-hit appended (relay + storage)': [] as number[],
    'cache-hit appended → in RabbitMQ (relay)': [] as number[],
    'cache-hit in RabbitMQ → sendVideo(file_id) reaches the fake (notifier)': [] as number[],
  };
  const presetCallsBefore = callsUntilFileIdSend(clock, presetUsers, presetLinkSentAt);
  for (const user of presetUsers) {
    const at = presetLinkSentAt.get(user.chatId);
    const sent = at === undefined ? undefined : clock.first(user.chatId, at, isFileIdSend);
    if (at === undefined || !sent) continue;
    const timeline = presetTimelines.get(presetRequestIds.get(user.chatId) ?? '');
    if (!timeline) continue;
    const find = (type: string) => timeline.find((event) => event.type === type);
    const [requested, selected, hit] = [
      'download.requested',
      'download.format-selected',
      'download.cache-hit',
    ].map(find);
    if (!requested || !selected || !hit) continue;
    const hitIn = tap.arrivals.get(hit.eventId);
    if (hitIn === undefined) continue;
    const values = Object.values(presetStage);
    values[0]!.push(requested.recordedAt - at);
    values[1]!.push(selected.recordedAt - requested.recordedAt);
    values[2]!.push(hit.recordedAt - selected.recordedAt);
    values[3]!.push(hitIn - hit.recordedAt);
    values[4]!.push(sent.startedAt - hitIn);
  }
  await tap.stop();
  const loadSamples = load.stop();
  const uptimeAfter = await uptimeLine();

  console.log(
    [
      `### Cache hits, ${userCount} users (\`${commandLine()}\`)`,
      '',
      describeMachine(machine),
      `- settings changed with --env: ${describeServiceEnv(serviceEnvFromArgs())}`,
      `- uptime before: \`${uptimeBefore}\``,
      `- uptime after: \`${uptimeAfter}\``,
      `- 1-min load average sampled every 5 s during the run: min ${Math.min(...loadSamples).toFixed(2)}, max ${Math.max(...loadSamples).toFixed(2)}`,
      `- longest-running transaction on the PostgreSQL server during the phases: ${(xmin.maxAgeMs / 1000).toFixed(1)} s, ${xmin.holder}`,
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
      'From the click to the file_id send, the calls the bot made in the chat, and when each reached the fake (p50 ms after the click):',
      '',
      markdownTable(
        ['calls', 'users', 'p50 ms after the click, each call'],
        callSequenceRows(callsBefore),
      ),
      '',
      'Events handled during the click phase, by consumer (from each service’s /metrics; busiest first):',
      '',
      markdownTable(handlingHeaders, handling),
      '',
      'Where the cache-hit time goes (event recorded_at, and arrival in a queue of our own bound to the event exchange):',
      '',
      markdownTable(
        percentileHeaders,
        Object.entries(stage).map(([label, values]) => percentileRow(label, summarize(values))),
      ),
      ...(presetUserCount === 0
        ? []
        : [
            '',
            `#### Default quality set in /settings: link in → video re-sent by file_id`,
            '',
            `- ${presetUserCount} other users set ${qualityLabel} in /settings (${presetsSaved} saved in the gateway's preferences), then sent the same link at ${(presetUserCount / Math.max(presetLoop.seconds, 0.001)).toFixed(2)}/s (the bot asks nothing: the probe selects the format)`,
            '',
            markdownTable(
              [...percentileHeaders, 'missing'],
              [
                percentileRow('link → sendVideo(file_id)', summarize(presetLatencies), [
                  String(presetUserCount - presetLatencies.length),
                ]),
              ],
            ),
            '',
            'From the link to the file_id send, the calls the bot made in the chat (p50 ms after the link):',
            '',
            markdownTable(
              ['calls', 'users', 'p50 ms after the link, each call'],
              callSequenceRows(presetCallsBefore),
            ),
            '',
            'Where the time goes (event recorded_at, and arrival in a queue of our own bound to the event exchange):',
            '',
            markdownTable(
              percentileHeaders,
              Object.entries(presetStage).map(([label, values]) =>
                percentileRow(label, summarize(values)),
              ),
            ),
            '',
            'Events handled during the default-quality link phase, by consumer (busiest first):',
            '',
            markdownTable(handlingHeaders, presetHandling),
          ]),
    ].join('\n'),
  );
} catch (error) {
  log(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  log(bench.logTail().join('\n'));
  process.exitCode = 1;
} finally {
  await bench.close();
}
