import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableServices, repositoryRoot, startStack, type Stack } from '@mediabot/local-stack';
import {
  ensureSampleMedia,
  startMediaServer,
  type MediaServer,
  type SampleMedia,
} from '@mediabot/sample-media';
import {
  createTestDatabase,
  createTestVhost,
  serviceUrls,
  type TestDatabase,
  type TestVhost,
} from '@mediabot/testing';
import { sampleLinks } from './samples.ts';
import { startSandboxServer, type SandboxServer } from './sandbox-server.ts';
import {
  distanceFromEnd,
  launchChromium,
  playLastVideo,
  saveScreenshot,
  type HeadlessBrowser,
} from './testing/browser.ts';

// A person in the sandbox page, the whole product behind it: fake Bot API, every journey
// service as its own process, real yt-dlp and ffmpeg, embedded S3, PostgreSQL, RabbitMQ, Redis.
// MEDIABOT_README_SCREENSHOT=1 also writes the screenshot to docs/images/sandbox.png.

const journeyServices = [
  'gateway-bot',
  'identity',
  'downloader',
  'transcoder',
  'storage',
  'notifier',
] as const;
const missing = journeyServices.filter((name) => !availableServices().includes(name));

let database: TestDatabase;
let vhost: TestVhost;
let media: SampleMedia;
let mediaServer: MediaServer;
let workDir: string;
let stack: Stack;
let sandbox: SandboxServer;
let browser: HeadlessBrowser;
let page: Page;
const logs: string[] = [];
const pageErrors: string[] = [];

beforeAll(async () => {
  if (missing.length > 0) return;
  [database, vhost, media, browser] = await Promise.all([
    createTestDatabase(),
    createTestVhost(),
    ensureSampleMedia(),
    launchChromium(),
  ]);
  mediaServer = await startMediaServer({ dir: media.dir });
  workDir = await mkdtemp(join(tmpdir(), 'mediabot-sandbox-'));
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
    allowLoopbackLinks: { ports: [mediaServer.port] },
    logLevel: 'warn',
    log: (source, line) => logs.push(`${source} | ${line}`),
    serviceEnv: { notifier: { PROGRESS_EDIT_INTERVAL: '1s' } },
    readyTimeoutMs: 150_000,
  });
  sandbox = await startSandboxServer({
    fake: stack.telegram.fake!,
    samples: sampleLinks(mediaServer, media),
  });
  page = await browser.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.goto(`${sandbox.url}?user=7001&lang=en&name=Ann`);
  await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await sandbox?.close();
  await stack?.stop();
  await mediaServer?.close();
  await Promise.all([database?.drop(), vhost?.remove()]);
  if (workDir) await rm(workDir, { recursive: true, force: true });
  if (process.env.MEDIABOT_E2E_LOGS) console.log(logs.join('\n'));
});

const botMessages = () => page.locator('article[data-sender="bot"]');

async function send(text: string): Promise<void> {
  const box = page.getByRole('textbox', { name: 'Message' });
  await box.fill(text);
  await page.getByRole('button', { name: 'Send', exact: true }).click();
  await page.locator('article[data-sender="user"]', { hasText: text }).last().waitFor();
}

describe.skipIf(missing.length > 0)('the sandbox page with the whole product', () => {
  it('answers /start with a welcome and /help with a guide', async () => {
    await send('/start');
    await botMessages().first().waitFor({ timeout: 30_000 });
    expect((await botMessages().first().textContent())?.length).toBeGreaterThan(20);
    await send('/help');
    await botMessages().nth(1).filter({ hasText: '/settings' }).waitFor({ timeout: 30_000 });
  });

  it('takes a sample link, offers qualities, delivers the chosen one and plays it', async () => {
    const before = await botMessages().count();
    await page.getByRole('button', { name: /^Send Short video/ }).click();
    const offer = botMessages().nth(before);
    const quality = offer.getByRole('button', { name: /^(\d+p|best video)/i }).first();
    await quality.waitFor({ timeout: 90_000 });
    expect(await offer.getByRole('button', { name: /mp3/i }).count()).toBe(1);
    await quality.click();

    // The offer becomes the status message, edited in place, and the video arrives below it.
    await botMessages().locator('video').first().waitFor({ timeout: 150_000 });
    expect(await offer.getAttribute('data-edited')).toBe('true');
    const playback = await playLastVideo(page);
    expect(playback.readyState).toBeGreaterThanOrEqual(2);
    expect(playback.currentTime).toBeGreaterThan(0.3);
    expect(playback.videoWidth).toBeGreaterThan(0);
    expect(await distanceFromEnd(page)).toBeLessThan(5);

    const screenshot = await saveScreenshot(page, 'sandbox-journey.png');
    if (process.env.MEDIABOT_README_SCREENSHOT) {
      const target = join(repositoryRoot, 'docs', 'images', 'sandbox.png');
      await mkdir(join(repositoryRoot, 'docs', 'images'), { recursive: true });
      await copyFile(screenshot, target);
    }
    expect(pageErrors).toEqual([]);
  });
});
