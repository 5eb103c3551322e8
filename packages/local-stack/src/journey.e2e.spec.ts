import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { sql } from 'kysely';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ensureOversizeMp4,
  ensureSampleMedia,
  startMediaServer,
  type MediaServer,
  type SampleMedia,
} from '@mediabot/sample-media';
import {
  createTelegramDriver,
  type TelegramDriver,
  type TranscriptMessage,
} from '@mediabot/telegram-fake';
import {
  createTestDatabase,
  createTestVhost,
  serviceUrls,
  type TestDatabase,
  type TestVhost,
} from '@mediabot/testing';
import { startStack, type Stack } from './stack.ts';

// The whole product as separate processes: fake Bot API, local media server, real yt-dlp and
// ffmpeg, embedded S3, PostgreSQL, RabbitMQ, Redis.

let database: TestDatabase;
let vhost: TestVhost;
let media: SampleMedia;
let server: MediaServer;
/** Serves files a test makes for itself. */
let bigServer: MediaServer;
let workDir: string;
let stack: Stack;
let driver: TelegramDriver;
const logs: string[] = [];
let nextUserId = 1000;

const oversizeBytes = 6 * 1024 * 1024;

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'mediabot-journey-'));
  await mkdir(join(workDir, 'media'), { recursive: true });
  [database, vhost, media] = await Promise.all([
    createTestDatabase(),
    createTestVhost(),
    ensureSampleMedia(),
  ]);
  server = await startMediaServer({ dir: media.dir });
  bigServer = await startMediaServer({ dir: join(workDir, 'media') });

  const urls = await serviceUrls();
  stack = await startStack({
    databaseUrl: database.url,
    rabbitmqUrl: vhost.url,
    redisUrl: urls.redis,
    prefix: basename(workDir)
      .replace(/[^a-z0-9]/gi, '')
      .toLowerCase(),
    workDir,
    telegram: { kind: 'fake' },
    allowLoopbackLinks: { ports: [server.port, bigServer.port] },
    logLevel: 'warn',
    readyTimeoutMs: 180_000,
    log: (source, line) => logs.push(`${source} | ${line}`),
    serviceEnv: {
      // A small upload limit makes the "too large → link" path cheap to test.
      storage: { TELEGRAM_UPLOAD_LIMIT_BYTES: String(oversizeBytes), LINK_TTL: '4s' },
      notifier: {
        TELEGRAM_UPLOAD_LIMIT_BYTES: String(oversizeBytes),
        PROGRESS_EDIT_INTERVAL: '1s',
      },
      downloader: { PROGRESS_INTERVAL: '500ms' },
    },
  });
  driver = createTelegramDriver(stack.telegram.fake!);
}, 300_000);

afterAll(async () => {
  await stack?.stop();
  await server?.close();
  await bigServer?.close();
  await Promise.all([database?.drop(), vhost?.remove()]);
  if (workDir) await rm(workDir, { recursive: true, force: true });
  if (process.env.MEDIABOT_E2E_LOGS) console.log(logs.join('\n'));
});

function newUser(language = 'en') {
  const id = nextUserId++;
  return driver.user({ id, first_name: `User${id}`, language_code: language });
}

async function countEvents(type: string): Promise<number> {
  const { rows } = await sql<{ count: number }>`
    select count(*)::int as count from eventstore.events where type = ${type}`.execute(database.db);
  return rows[0]?.count ?? 0;
}

/** A video quality button: "720p · 3 MB", or "Best video" for a file whose height is unknown. */
const isVideoOption = (text: string) => /^(\d+p|best video)/i.test(text);

/** A send whose file came as an upload rather than a file_id. */
const isUpload = (params: Record<string, unknown>) =>
  Object.values(params).some(
    (value) => typeof value === 'object' && value !== null && 'upload' in value,
  );
const hasButtons = (entry: TranscriptMessage) =>
  (entry.message.reply_markup?.inline_keyboard.flat().length ?? 0) > 1;
const delivered = (entry: TranscriptMessage) =>
  Boolean(entry.message.video ?? entry.message.audio ?? entry.message.document);

async function askAndPick(
  user: ReturnType<typeof newUser>,
  link: string,
  button: (text: string) => boolean,
) {
  user.sendText(link);
  const offer = await driver.waitForMessage(user.chatId, (_m, entry) => hasButtons(entry), {
    timeoutMs: 60_000,
  });
  user.clickButton(offer, (candidate) => button(candidate.text));
  return offer;
}

describe('the download journey', () => {
  it("answers /start in the user's language and /help with a guide", async () => {
    const user = newUser('fr');
    user.sendText('/start');
    const welcome = await driver.waitForMessage(user.chatId, () => true, { timeoutMs: 20_000 });
    expect(welcome.message.text?.length).toBeGreaterThan(20);
    user.sendText('/help');
    const help = await driver.waitForMessage(
      user.chatId,
      (message) => message.message_id !== welcome.message.message_id,
      { timeoutMs: 20_000 },
    );
    expect(help.message.text).toMatch(/\/settings/);
  });

  it('offers the qualities that exist and delivers a streamable video with its size', async () => {
    const user = newUser();
    const offer = await askAndPick(user, server.urlOf(basename(media.mp4Hd)), (text) =>
      isVideoOption(text),
    );
    const buttons =
      offer.message.reply_markup?.inline_keyboard.flat().map((button) => button.text) ?? [];
    expect(buttons.some((text) => /cancel/i.test(text))).toBe(true);
    expect(buttons.some((text) => /mp3/i.test(text))).toBe(true);
    const video = await driver.waitForMessage(user.chatId, (_m, entry) => delivered(entry), {
      timeoutMs: 120_000,
    });
    expect(video.message.video).toMatchObject({ width: 1280, height: 720 });
  });

  it('delivers audio as a tagged MP3', async () => {
    const user = newUser('es');
    await askAndPick(user, server.urlOf(basename(media.mp4Small)), (text) => /mp3/i.test(text));
    const audio = await driver.waitForMessage(
      user.chatId,
      (_m, entry) => Boolean(entry.message.audio),
      { timeoutMs: 120_000 },
    );
    expect(audio.message.audio?.duration).toBeGreaterThan(0);
  });

  it.each([
    ['an HTML page with <video>', () => server.urlOf(media.htmlPage.slice(media.dir.length + 1))],
    ['an HLS playlist', () => server.urlOf('hls/master.m3u8')],
  ])('delivers from %s', async (_what, link) => {
    const user = newUser();
    await askAndPick(user, link(), (text) => isVideoOption(text));
    await driver.waitForMessage(user.chatId, (_m, entry) => delivered(entry), {
      timeoutMs: 120_000,
    });
  });

  it('serves the same media and format again from the cache: no download, no upload', async () => {
    const link = server.urlOf(basename(media.mp4Small));
    const first = newUser();
    await askAndPick(first, link, (text) => isVideoOption(text));
    await driver.waitForMessage(first.chatId, (_m, entry) => delivered(entry), {
      timeoutMs: 120_000,
    });
    const fetchesBefore = await countEvents('download.fetched');

    const again = newUser();
    const mark = driver.mark();
    await askAndPick(again, link, (text) => isVideoOption(text));
    const video = await driver.waitForMessage(again.chatId, (_m, entry) => delivered(entry), {
      timeoutMs: 60_000,
    });
    expect(video.message.video).toBeDefined();
    // The link is probed again (that is how its media identity is known), but not downloaded.
    expect(await countEvents('download.fetched')).toBe(fetchesBefore);
    const uploads = driver.calls.filter(
      (call) => call.seq > mark && call.method === 'sendVideo' && isUpload(call.params),
    );
    expect(uploads).toHaveLength(0);
  });

  it('makes one download for 20 users asking for the same link at once, and delivers to all 20', async () => {
    const link = server.urlOf(basename(media.mp4Long));
    const users = Array.from({ length: 20 }, () => newUser());
    const mark = driver.mark();
    const fetchesBefore = await countEvents('download.fetched');
    await Promise.all(users.map((user) => askAndPick(user, link, (text) => isVideoOption(text))));
    await Promise.all(
      users.map((user) =>
        driver.waitForMessage(user.chatId, (_m, entry) => delivered(entry), {
          timeoutMs: 180_000,
          after: mark,
        }),
      ),
    );
    expect(await countEvents('download.fetched')).toBe(fetchesBefore + 1);
    for (const user of users)
      expect(driver.transcript(user.chatId).filter(delivered)).toHaveLength(1);
    // Requests that joined before the first upload finished get its file_id; a late joiner may
    // be served from the stored file before the file_id is known.
    const uploads = driver.calls.filter(
      (call) =>
        call.seq > mark &&
        ['sendVideo', 'sendDocument'].includes(call.method) &&
        isUpload(call.params),
    );
    expect(uploads.length).toBeGreaterThanOrEqual(1);
    expect(uploads.length).toBeLessThan(users.length);
  }, 240_000);

  it('gives a link that works and then expires when the file is over the upload limit', async () => {
    const user = newUser();
    // Already Telegram-playable (H.264/AAC, faststart), so the transcoder passes it through as is.
    const oversize = await ensureOversizeMp4(8 * 1024 * 1024, join(workDir, 'media'));
    await askAndPick(user, bigServer.urlOf(basename(oversize)), (text) => isVideoOption(text));
    const linkOf = (message: { entities?: { type: string; url?: string }[] }) =>
      message.entities?.find((entity) => entity.type === 'text_link')?.url;
    const linkMessage = await driver.waitForMessage(
      user.chatId,
      (message) => Boolean(linkOf(message)),
      {
        timeoutMs: 180_000,
      },
    );
    const url = linkOf(linkMessage.message)!;
    expect((await fetch(url)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    expect((await fetch(url)).status).toBeGreaterThanOrEqual(400);
  }, 240_000);

  it('refuses bad links and addresses inside our network with a clear hint', async () => {
    const user = newUser();
    for (const link of [
      'ftp://example.com/x',
      'http://169.254.169.254/latest/meta-data',
      'http://[::ffff:10.0.0.1]/',
      'just words',
    ]) {
      const mark = driver.mark();
      user.sendText(link);
      const hint = await driver.waitForMessage(user.chatId, () => true, {
        timeoutMs: 20_000,
        after: mark,
      });
      expect(hint.message.text?.length).toBeGreaterThan(10);
    }
  });

  it('delivers later when Telegram answers 429, losing nothing', async () => {
    const user = newUser();
    const fault = stack.telegram.fake!.faults.tooManyRequests(
      { method: 'sendVideo', chatId: user.chatId },
      2,
      1,
    );
    await askAndPick(user, server.urlOf(basename(media.mp4Small)), (text) => isVideoOption(text));
    await driver.waitForMessage(user.chatId, (_m, entry) => delivered(entry), {
      timeoutMs: 120_000,
    });
    expect(fault.hits).toBe(1);
    expect(driver.transcript(user.chatId).filter(delivered)).toHaveLength(1);
  });

  it('cancels a download in progress', async () => {
    server.setThrottle(200_000);
    try {
      const user = newUser();
      const offer = await askAndPick(user, server.urlOf(basename(media.webmVp9)), (text) =>
        isVideoOption(text),
      );
      await driver.waitForMessage(
        user.chatId,
        (message, entry) => entry.messageId === offer.messageId && /%/.test(message.text ?? ''),
        { timeoutMs: 60_000 },
      );
      user.clickButton(offer.messageId, (button) =>
        /cancel|annuler|отмена|cancelar/i.test(button.text),
      );
      await driver.waitForMessage(
        user.chatId,
        (message, entry) =>
          entry.messageId === offer.messageId && /cancel|annul|отмен/i.test(message.text ?? ''),
        { timeoutMs: 30_000 },
      );
    } finally {
      server.setThrottle(undefined);
    }
  });

  it('finishes a job whose downloader was killed mid-download, delivering exactly once', async () => {
    server.setThrottle(300_000);
    const user = newUser();
    await askAndPick(user, server.urlOf(basename(media.mp4MoovAtEnd)), (text) =>
      isVideoOption(text),
    );
    await driver.waitForMessage(user.chatId, (message) => /%/.test(message.text ?? ''), {
      timeoutMs: 60_000,
    });
    stack.processes.get('downloader')!.kill('SIGKILL');
    server.setThrottle(undefined);
    await stack.restart('downloader');
    await driver.waitForMessage(user.chatId, (_m, entry) => delivered(entry), {
      timeoutMs: 180_000,
    });
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(driver.transcript(user.chatId).filter(delivered)).toHaveLength(1);
  }, 240_000);
});
