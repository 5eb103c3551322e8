// Memory of every process of the product: RSS idle after start-up, after a journey load
// (commands, downloads of every sample kind, conversions, uploads, cache hits), and idle again;
// with the V8 heap from each service's /metrics and two reference processes for scale.
// Run: node bench/journey-memory.ts [--idle 10] [--users 24]
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { SimulatedUserHandle } from '@mediabot/telegram-fake';
import {
  isFileIdSend,
  isUploadSend,
  keyboardOf,
  log,
  memoryHeaders,
  memoryTable,
  readMemory,
  sampleLoad,
  sleep,
  startJourneyBench,
  uptimeLine,
  type JourneyBench,
  isAudioChoice,
  isVideoChoice,
  describeServiceEnv,
  serviceEnvFromArgs,
  commandLine,
} from './journey-support.ts';
import { describeMachine, machineInfo, markdownTable, option } from './support/report.ts';

const idleSeconds = option('idle', 10);
const userCount = option('users', 24);
const waitMs = 180_000;

/** RSS of a Node process of the same binary that does nothing, as a floor. */
async function referenceRss(source: string, extension: '.mjs' | '.ts'): Promise<number> {
  const directory = await mkdtemp(join(tmpdir(), 'bench-reference-'));
  const file = join(directory, `idle${extension}`);
  await writeFile(file, source);
  const child = spawn(process.execPath, [file], { stdio: 'ignore' });
  try {
    await sleep(3_000);
    const status = await readFile(`/proc/${child.pid}/status`, 'utf8');
    return Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? Number.NaN) / 1024;
  } finally {
    child.kill('SIGKILL');
    await rm(directory, { recursive: true, force: true });
  }
}

interface HeapReading {
  service: string;
  heapUsedMiB: number;
  heapTotalMiB: number;
  externalMiB: number;
}

async function readHeaps(bench: JourneyBench): Promise<HeapReading[]> {
  const readings: HeapReading[] = [];
  for (const [service, child] of bench.stack.processes) {
    if (!child.httpPort) continue;
    const text = await fetch(`http://127.0.0.1:${child.httpPort}/metrics`)
      .then((response) => response.text())
      .catch(() => '');
    const metric = (name: string) =>
      Number(new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+]+)`, 'm').exec(text)?.[1]) / 1024 / 1024;
    readings.push({
      service,
      heapUsedMiB: metric('nodejs_heap_size_used_bytes'),
      heapTotalMiB: metric('nodejs_heap_size_total_bytes'),
      externalMiB: metric('nodejs_external_memory_bytes'),
    });
  }
  return readings.sort((a, b) => a.service.localeCompare(b.service));
}

/** One user's whole journey: /start, a link, a choice, the file delivered. */
async function journey(
  bench: JourneyBench,
  user: SimulatedUserHandle,
  link: string,
  pick: (text: string) => boolean,
): Promise<string> {
  const startedAt = Date.now();
  user.sendText('/start');
  const welcome = await bench.clock.next(
    user.chatId,
    startedAt,
    (call) => call.method === 'sendMessage',
    waitMs,
  );
  if (!welcome) return 'no welcome';
  const linkAt = Date.now();
  user.sendText(link);
  const offered = await bench.clock.next(
    user.chatId,
    linkAt,
    (call) => call.ok && keyboardOf(call).some((button) => pick(button.text)),
    waitMs,
  );
  if (!offered) return `no offer for ${link}`;
  const offer = user
    .transcript()
    .find((entry) =>
      (entry.message.reply_markup?.inline_keyboard.flat() ?? []).some((b) => pick(b.text)),
    );
  if (!offer) return `offer not in the transcript for ${link}`;
  const clickedAt = Date.now();
  user.clickButton(offer, (button) => pick(button.text));
  const sent = await bench.clock.next(
    user.chatId,
    clickedAt,
    (call) => isUploadSend(call) || isFileIdSend(call),
    waitMs,
  );
  return sent ? 'delivered' : `not delivered: ${link}`;
}

const uptimeBefore = await uptimeLine();
const load = sampleLoad();
const references = {
  bare: await referenceRss('setInterval(() => {}, 1e6);\n', '.mjs'),
  typescript: await referenceRss(
    'const wait: number = 1e6;\nsetInterval(() => {}, wait);\n',
    '.ts',
  ),
};
const bench = await startJourneyBench({ name: 'memory' });
try {
  const machine = await machineInfo(bench.database.serverUrl);
  log(`idle ${idleSeconds} s`);
  await sleep(idleSeconds * 1000);
  const idle = await readMemory(bench.stack);
  const idleHeaps = await readHeaps(bench);

  const { media, server } = bench;
  const links: { link: string; pick: (text: string) => boolean }[] = [
    { link: server.urlOf(basename(media.mp4Small)), pick: isVideoChoice },
    { link: server.urlOf(basename(media.mp4Hd)), pick: isVideoChoice },
    { link: server.urlOf(basename(media.mp4Small)), pick: isAudioChoice },
    { link: server.urlOf(basename(media.webmVp9)), pick: isVideoChoice },
    { link: server.urlOf(basename(media.mkvH264)), pick: isVideoChoice },
    { link: server.urlOf('hls/master.m3u8'), pick: isVideoChoice },
    { link: server.urlOf(media.htmlPage.slice(media.dir.length + 1)), pick: isVideoChoice },
    { link: server.urlOf(basename(media.mp4Long)), pick: isVideoChoice },
  ];
  log(`journey load: ${userCount} users, one every 2 s, over ${links.length} kinds of link`);
  const started = Date.now();
  const journeys: Promise<string>[] = [];
  for (let index = 0; index < userCount; index += 1) {
    const user = bench.driver.user({
      id: 5_000_000 + index,
      first_name: `Memory${index}`,
      language_code: 'en',
    });
    const target = links[index % links.length]!;
    journeys.push(journey(bench, user, target.link, target.pick));
    await sleep(2_000);
  }
  const outcomes = await Promise.all(journeys);
  const delivered = outcomes.filter((outcome) => outcome === 'delivered').length;
  for (const outcome of new Set(outcomes)) if (outcome !== 'delivered') log(outcome);
  const loadSeconds = (Date.now() - started) / 1000;
  log(`journey load: ${delivered}/${userCount} delivered in ${loadSeconds.toFixed(0)} s`);
  const afterLoad = await readMemory(bench.stack);
  await sleep(idleSeconds * 1000);
  const settled = await readMemory(bench.stack);
  const settledHeaps = await readHeaps(bench);
  const loadSamples = load.stop();
  const uptimeAfter = await uptimeLine();

  console.log(
    [
      `### Memory (\`${commandLine()}\`)`,
      '',
      describeMachine(machine),
      `- settings changed with --env: ${describeServiceEnv(serviceEnvFromArgs())}`,
      `- uptime before: \`${uptimeBefore}\``,
      `- uptime after: \`${uptimeAfter}\``,
      `- 1-min load average sampled every 5 s during the run: min ${Math.min(...loadSamples).toFixed(2)}, max ${Math.max(...loadSamples).toFixed(2)}`,
      `- journey load: ${userCount} users (one every 2 s) each /start, a link (${links.length} kinds: MP4 360p/720p, MP3 from MP4, VP9 WebM re-encoded, MKV remuxed, HLS, HTML page, 60 s MP4), a choice, the file; ${delivered} delivered in ${loadSeconds.toFixed(0)} s`,
      `- reference processes of the same Node binary: an idle \`.mjs\` ${references.bare.toFixed(0)} MiB; an idle \`.ts\` (type stripping loaded) ${references.typescript.toFixed(0)} MiB`,
      '',
      markdownTable(
        memoryHeaders(['idle', 'after load', `idle ${idleSeconds} s later`]),
        memoryTable([
          { label: 'idle', readings: idle },
          { label: 'after load', readings: afterLoad },
          { label: 'settled', readings: settled },
        ]),
      ),
      '',
      'V8 heap from each service’s /metrics (MiB): used / total, and external (Buffers):',
      '',
      markdownTable(
        ['process', 'idle used', 'idle total', 'idle external', 'settled used', 'settled total'],
        idleHeaps.map((heap) => {
          const later = settledHeaps.find((other) => other.service === heap.service);
          return [
            heap.service,
            heap.heapUsedMiB.toFixed(0),
            heap.heapTotalMiB.toFixed(0),
            heap.externalMiB.toFixed(0),
            later?.heapUsedMiB.toFixed(0) ?? '?',
            later?.heapTotalMiB.toFixed(0) ?? '?',
          ];
        }),
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
