// A ~100 MB video over loopback through the whole product, link in → file delivered, against
// plain `yt-dlp -o <tmp> <url>` fetching the same kind of URL in the same run.
// Two stacks: the product's defaults (50 MB upload limit: delivery is the download-link
// message) and the limit raised to 200 MB on notifier, storage and the fake (delivery is the
// uploaded video). Each run uses a new name for the file (a hard link), so nothing comes from
// the cache; yt-dlp and the product alternate. The media server and the S3 server run in
// processes of their own (bench/support/outside-world.ts), as the site and S3 do in production;
// --in-process puts them back in the benchmark process, as the earlier runs had them.
// Run: node bench/journey-large-file.ts [--runs 3] [--megabytes 100] [--in-process]
import { execFile } from 'node:child_process';
import { link, mkdir, mkdtemp, rm, stat, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { createObjectStorage } from '@mediabot/object-storage';
import { startMediaServer } from '@mediabot/sample-media';
import type { Message } from '@mediabot/telegram-fake';
import { serviceUrls } from '@mediabot/testing';
import {
  eventsWhere,
  isUploadSend,
  keyboardOf,
  log,
  MB,
  readMemory,
  sampleLoad,
  startEventTap,
  startJourneyBench,
  uptimeLine,
  type JourneyBench,
  type MemoryReading,
  type TimedCall,
  isVideoChoice,
  describeServiceEnv,
  serviceEnvFromArgs,
  commandLine,
} from './journey-support.ts';
import { startOutsideMediaServer, type OutsideServer } from './support/outside-world.ts';
import { describeMachine, machineInfo, markdownTable, option } from './support/report.ts';

const runs = option('runs', 3);
const megabytes = option('megabytes', 100);
const inProcess = process.argv.includes('--in-process');
const waitMs = 240_000;
const mediaDir = resolve(import.meta.dirname, '../.mediabot/bench-media');

/** A constant-bitrate H.264/AAC MP4 with faststart (Telegram plays it as is), made once. */
async function ensureLargeMp4(): Promise<string> {
  const path = join(mediaDir, `journey-${megabytes}mb.mp4`);
  const exists = await stat(path).then(
    (info) => info.size > megabytes * MB * 0.9,
    () => false,
  );
  if (exists) return path;
  await mkdir(mediaDir, { recursive: true });
  const seconds = 40;
  const kbps = Math.round((megabytes * MB * 8) / seconds / 1000) - 96;
  log(`making ${path} (${megabytes} MB, once)`);
  const partial = `${path}.partial.mp4`;
  await promisify(execFile)('ffmpeg', [
    '-nostdin',
    '-loglevel',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    "nullsrc=s=640x360:r=25,geq=lum='random(1)*255':cb=128:cr=128",
    '-f',
    'lavfi',
    '-i',
    'sine=frequency=440:sample_rate=44100',
    '-t',
    String(seconds),
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-pix_fmt',
    'yuv420p',
    '-b:v',
    `${kbps}k`,
    '-minrate',
    `${kbps}k`,
    '-maxrate',
    `${kbps}k`,
    '-bufsize',
    `${kbps}k`,
    '-x264-params',
    'nal-hrd=cbr',
    '-c:a',
    'aac',
    '-b:a',
    '96k',
    '-movflags',
    '+faststart',
    partial,
  ]);
  await rm(path, { force: true });
  await link(partial, path);
  await unlink(partial);
  return path;
}

interface FileName {
  url: string;
  remove(): Promise<void>;
}

/** A fresh name for the same bytes: a new URL, so a new media id and cache key. */
async function freshName(server: OutsideServer, source: string, label: string): Promise<FileName> {
  const name = `run-${label}-${Math.random().toString(36).slice(2, 8)}.mp4`;
  await link(source, join(mediaDir, name));
  return { url: `${server.url}/${name}`, remove: () => rm(join(mediaDir, name), { force: true }) };
}

/** The media server, in a process of its own unless --in-process. */
async function startLargeMediaServer(): Promise<OutsideServer> {
  if (!inProcess) return startOutsideMediaServer(mediaDir);
  const server = await startMediaServer({ dir: mediaDir });
  return { url: server.origin, port: server.port, close: () => server.close() };
}

async function plainYtDlp(url: string): Promise<number> {
  const directory = await mkdtemp(join(tmpdir(), 'bench-ytdlp-'));
  try {
    const started = performance.now();
    await promisify(execFile)('yt-dlp', ['-q', '-o', join(directory, 'out.%(ext)s'), url], {
      maxBuffer: 16 * MB,
    });
    return (performance.now() - started) / 1000;
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

const linkOf = (message: Message) =>
  message.entities?.find((entity) => entity.type === 'text_link')?.url;

interface ProductRun {
  seconds: number;
  clickToDeliveredSeconds: number;
  stages: Stage[];
}

interface Stage {
  label: string;
  atSeconds: number;
  /** For an event: how long after its append it reached RabbitMQ (the relay's lag). */
  relayMs?: number;
}

async function productRun(
  bench: JourneyBench,
  arrivals: Map<string, number>,
  url: string,
  chatId: number,
  mode: 'link' | 'upload',
): Promise<ProductRun> {
  const user = bench.driver.user({ id: chatId, first_name: 'Large', language_code: 'en' });
  const sentAt = Date.now();
  user.sendText(url);
  const offerCall = await bench.clock.next(
    chatId,
    sentAt,
    (call: TimedCall) => call.ok && keyboardOf(call).some((button) => isVideoChoice(button.text)),
    waitMs,
  );
  if (!offerCall) throw new Error('no offer');
  const offer = user
    .transcript()
    .find((entry) =>
      (entry.message.reply_markup?.inline_keyboard.flat() ?? []).some((b) => isVideoChoice(b.text)),
    )!;
  const clickedAt = Date.now();
  user.clickButton(offer, (button) => isVideoChoice(button.text));
  let deliveredAt: number;
  if (mode === 'upload') {
    const upload = await bench.clock.next(chatId, clickedAt, isUploadSend, waitMs);
    if (!upload) throw new Error('no upload');
    deliveredAt = upload.finishedAt;
  } else {
    // A file under the default limit (--megabytes below 50) is uploaded instead: either counts.
    const delivered = await bench.driver.waitForMessage(
      chatId,
      (message) => Boolean(linkOf(message) ?? message.video ?? message.document),
      { timeoutMs: waitMs },
    );
    deliveredAt = Date.now();
    if (!linkOf(delivered.message)) log(`chat ${chatId}: the file came as an upload, not a link`);
  }
  const requestEvents = await requestEventsOf(bench, chatId);
  const relayed = (eventId: string, recordedAt: number) => {
    const arrived = arrivals.get(eventId);
    return arrived === undefined ? {} : { relayMs: arrived - recordedAt };
  };
  return {
    seconds: (deliveredAt - sentAt) / 1000,
    clickToDeliveredSeconds: (deliveredAt - clickedAt) / 1000,
    stages: [
      { label: 'offer keyboard at the fake', atSeconds: (offerCall.startedAt - sentAt) / 1000 },
      { label: 'quality button pressed', atSeconds: (clickedAt - sentAt) / 1000 },
      ...requestEvents.map((event) => ({
        label: event.label,
        atSeconds: (event.recordedAt - sentAt) / 1000,
        ...relayed(event.eventId, event.recordedAt),
      })),
      {
        label: mode === 'upload' ? 'upload answered by the fake' : 'link message at the fake',
        atSeconds: (deliveredAt - sentAt) / 1000,
      },
    ].sort((a, b) => a.atSeconds - b.atSeconds),
  };
}

/** The request's events and those of its cache entry, first/last progress collapsed. */
async function requestEventsOf(
  bench: JourneyBench,
  chatId: number,
): Promise<{ label: string; eventId: string; recordedAt: number }[]> {
  const { pool } = bench.database.open(1);
  let requestId: string | undefined;
  try {
    const { rows } = await pool.query<{ request_id: string }>(
      `select data->>'requestId' as request_id from eventstore.events
        where type = 'download.requested' and (data->>'chatId')::bigint = $1`,
      [chatId],
    );
    requestId = rows[0]?.request_id;
  } finally {
    await pool.end();
  }
  if (!requestId) return [];
  const own = await eventsWhere(bench, { requestId });
  const cacheKey = own.find((event) => typeof event.data.cacheKey === 'string')?.data.cacheKey as
    string | undefined;
  const shared = cacheKey ? await eventsWhere(bench, { cacheKey }) : [];
  const all = [...own, ...shared.filter((event) => event.data.requestId === undefined)].sort(
    (a, b) => a.recordedAt - b.recordedAt,
  );
  const progress = all.filter((event) => event.type === 'download.fetch-progressed');
  const stageOf = (event: (typeof all)[number]) =>
    typeof event.data.stage === 'string' ? ` (${event.data.stage})` : '';
  return [
    ...all
      .filter((event) => event.type !== 'download.fetch-progressed')
      .map((event) => ({
        label: event.type,
        eventId: event.eventId,
        recordedAt: event.recordedAt,
      })),
    ...(progress.length > 0
      ? [
          {
            label: `download.fetch-progressed, first${stageOf(progress[0]!)}`,
            eventId: progress[0]!.eventId,
            recordedAt: progress[0]!.recordedAt,
          },
          {
            label: `download.fetch-progressed, last${stageOf(progress.at(-1)!)}`,
            eventId: progress.at(-1)!.eventId,
            recordedAt: progress.at(-1)!.recordedAt,
          },
        ]
      : []),
  ];
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

interface ModeResult {
  mode: 'link' | 'upload';
  ytDlpSeconds: number[];
  product: ProductRun[];
  memory: MemoryReading[];
  /** The same bytes into and out of the stack's embedded S3, and copied on disk. */
  transfers: { label: string; seconds: number }[];
}

/**
 * What one 100 MB hop costs here: the journey puts the file into S3 (streamed from the site), the
 * transcoder reads it in place (pass-through) or gets it and puts the result, and with an upload
 * the notifier gets it again.
 */
async function timeTransfers(
  bench: JourneyBench,
  source: string,
): Promise<{ label: string; seconds: number }[]> {
  const storage = createObjectStorage({
    ...bench.stack.s3,
    buckets: { media: `${bench.prefix}-media`, raw: `${bench.prefix}-raw` },
  });
  const directory = await mkdtemp(join(tmpdir(), 'bench-transfer-'));
  const timed = async (label: string, work: () => Promise<unknown>) => {
    const started = performance.now();
    await work();
    return { label, seconds: (performance.now() - started) / 1000 };
  };
  try {
    return [
      await timed('cp of the file on the same disk', () =>
        promisify(execFile)('cp', [source, join(directory, 'copy.mp4')]),
      ),
      await timed('putFile into the embedded S3 (one streamed PUT)', () =>
        storage.putFile('raw', 'bench/large.mp4', source, 'video/mp4'),
      ),
      await timed('getToFile from the embedded S3', () =>
        storage.getToFile('raw', 'bench/large.mp4', join(directory, 'back.mp4')),
      ),
    ];
  } finally {
    await storage.remove('raw', 'bench/large.mp4').catch(() => {});
    await rm(directory, { recursive: true, force: true });
  }
}

async function measureMode(
  mode: 'link' | 'upload',
  source: string,
  server: OutsideServer,
): Promise<ModeResult> {
  const limit = String(200 * MB);
  const bench = await startJourneyBench({
    name: `large${mode}`,
    linkPorts: [server.port],
    s3InOwnProcess: !inProcess,
    ...(mode === 'upload'
      ? {
          serviceEnv: {
            notifier: { TELEGRAM_UPLOAD_LIMIT_BYTES: limit },
            storage: { TELEGRAM_UPLOAD_LIMIT_BYTES: limit },
          },
        }
      : {}),
  });
  const names: FileName[] = [];
  const tap = await startEventTap(bench);
  try {
    if (mode === 'upload') bench.fake.bot.limits.uploadBytes = 200 * MB;
    const result: ModeResult = {
      mode,
      ytDlpSeconds: [],
      product: [],
      memory: [],
      transfers: [],
    };
    for (let run = 1; run <= runs; run += 1) {
      const plain = await freshName(server, source, `${mode}${run}plain`);
      const viaBot = await freshName(server, source, `${mode}${run}bot`);
      names.push(plain, viaBot);
      const seconds = await plainYtDlp(plain.url);
      result.ytDlpSeconds.push(seconds);
      log(`${mode} run ${run}: yt-dlp ${seconds.toFixed(2)} s`);
      const product = await productRun(bench, tap.arrivals, viaBot.url, 4_000_000 + run, mode);
      result.product.push(product);
      log(`${mode} run ${run}: product ${product.seconds.toFixed(2)} s`);
    }
    result.memory = await readMemory(bench.stack);
    result.transfers = await timeTransfers(bench, source);
    return result;
  } catch (error) {
    log(bench.logTail().join('\n'));
    throw error;
  } finally {
    await Promise.all(names.map((name) => name.remove()));
    await tap.stop();
    await bench.close();
  }
}

const uptimeBefore = await uptimeLine();
const load = sampleLoad();
const source = await ensureLargeMp4();
const sourceBytes = (await stat(source)).size;
const server = await startLargeMediaServer();
try {
  const results = [
    await measureMode('link', source, server),
    await measureMode('upload', source, server),
  ];
  const machine = await machineInfo((await serviceUrls()).postgres);
  const loadSamples = load.stop();
  const uptimeAfter = await uptimeLine();

  const summaryRows = results.map((result) => {
    const plain = median(result.ytDlpSeconds);
    const product = median(result.product.map((run) => run.seconds));
    const afterClick = median(result.product.map((run) => run.clickToDeliveredSeconds));
    return [
      result.mode === 'link' ? 'default 50 MB limit: link message' : '200 MB limit: video uploaded',
      result.ytDlpSeconds.map((value) => value.toFixed(2)).join(', '),
      result.product.map((run) => run.seconds.toFixed(2)).join(', '),
      plain.toFixed(2),
      product.toFixed(2),
      afterClick.toFixed(2),
      `${(product / plain).toFixed(1)}×`,
      product / plain <= 1.5 ? 'yes' : 'no',
    ];
  });

  const stageTables = results.flatMap((result) => {
    // The median run's timeline.
    const ordered = [...result.product].sort((a, b) => a.seconds - b.seconds);
    const run = ordered[Math.floor(ordered.length / 2)]!;
    let previous = 0;
    return [
      '',
      `Timeline of the median run, ${result.mode === 'link' ? 'default limit (link)' : '200 MB limit (upload)'} — seconds after the link message (events: recorded_at in the log):`,
      '',
      markdownTable(
        ['step', 'at s', 'since previous s', 'append → RabbitMQ ms'],
        run.stages.map((stage) => {
          const row = [
            stage.label,
            stage.atSeconds.toFixed(2),
            (stage.atSeconds - previous).toFixed(2),
            stage.relayMs === undefined ? '' : String(stage.relayMs),
          ];
          previous = stage.atSeconds;
          return row;
        }),
      ),
    ];
  });

  console.log(
    [
      `### A ${(sourceBytes / MB).toFixed(0)} MiB file over loopback, ${runs} runs (\`${commandLine()}\`)`,
      '',
      describeMachine(machine),
      `- settings changed with --env: ${describeServiceEnv(serviceEnvFromArgs())}`,
      `- media server and S3 server: ${inProcess ? 'inside the benchmark process (--in-process)' : 'each in a process of its own'}`,
      `- uptime before: \`${uptimeBefore}\``,
      `- uptime after: \`${uptimeAfter}\``,
      `- 1-min load average sampled every 5 s during the run: min ${Math.min(...loadSamples).toFixed(2)}, max ${Math.max(...loadSamples).toFixed(2)}`,
      `- the file: ${sourceBytes.toLocaleString('en-US')} bytes, H.264 (constrained baseline) 640x360 + AAC, 40 s, faststart`,
      '',
      markdownTable(
        [
          'delivery',
          'yt-dlp runs s',
          'product runs s',
          'yt-dlp median s',
          'product median s',
          'product click → delivered median s',
          'ratio',
          '≤ 1.5×',
        ],
        summaryRows,
      ),
      ...stageTables,
      '',
      inProcess
        ? 'One hop of the same file, measured after the runs on the same stack (seconds; the embedded S3, the media server and the fake Bot API run inside the benchmark process):'
        : 'One hop of the same file, measured after the runs on the same stack (seconds; the embedded S3 and the media server run in processes of their own, the fake Bot API inside the benchmark process):',
      '',
      markdownTable(
        ['hop', ...results.map((result) => `${result.mode} stack s`)],
        (results[0]?.transfers ?? []).map((transfer, index) => [
          transfer.label,
          ...results.map((result) => result.transfers[index]?.seconds.toFixed(2) ?? '?'),
        ]),
      ),
      '',
      'RSS after the runs (MiB):',
      '',
      markdownTable(
        ['process', ...results.flatMap((result) => [`${result.mode} RSS`, `${result.mode} peak`])],
        (results[0]?.memory ?? []).map((reading) => [
          reading.service,
          ...results.flatMap((result) => {
            const match = result.memory.find((other) => other.service === reading.service);
            return match ? [match.rssMiB.toFixed(0), match.hwmMiB.toFixed(0)] : ['?', '?'];
          }),
        ]),
      ),
    ].join('\n'),
  );
} catch (error) {
  log(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exitCode = 1;
} finally {
  load.stop();
  await server.close();
}
