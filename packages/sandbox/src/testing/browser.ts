import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { repositoryRoot } from '@mediabot/local-stack';

/** Debian's Chromium: we drive the system browser and never download one. */
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const testArtifactsDir = join(repositoryRoot, 'test-artifacts');

export interface HeadlessBrowser {
  context: BrowserContext;
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

/** Headless Chromium with a fresh profile, quiet (no updates, sync or network of its own). */
export async function launchChromium(): Promise<HeadlessBrowser> {
  if (!existsSync(chromiumPath)) {
    throw new Error(
      `no Chromium at ${chromiumPath}: install Debian's (apt-get install -y chromium) or set CHROMIUM_PATH`,
    );
  }
  const profile = await mkdtemp(join(tmpdir(), 'mediabot-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      // Let the test start playback without a click.
      '--autoplay-policy=no-user-gesture-required',
    ],
    viewport: { width: 1280, height: 860 },
    locale: 'en-GB',
  });
  return {
    context,
    newPage: () => context.newPage(),
    async close() {
      await context.close().catch(() => undefined);
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** Saves a screenshot under test-artifacts/ (git-ignored) and returns its path. */
export async function saveScreenshot(page: Page, name: string): Promise<string> {
  await mkdir(testArtifactsDir, { recursive: true });
  const path = join(testArtifactsDir, name);
  await page.screenshot({ path });
  return path;
}

/** What the test touches of a <video> (the project compiles without the DOM library). */
interface VideoElement {
  muted: boolean;
  readyState: number;
  currentTime: number;
  videoWidth: number;
  play(): Promise<void>;
  pause(): void;
}

/**
 * Plays the newest <video> of the chat, muted, and resolves once it has decoded frames and its
 * clock has moved on: proof the delivered file really plays.
 */
export async function playLastVideo(
  page: Page,
  timeoutMs = 30_000,
): Promise<{ readyState: number; currentTime: number; videoWidth: number }> {
  const video = page.locator('article[data-sender="bot"] video').last();
  await video.evaluate(async (element) => {
    const player = element as unknown as VideoElement;
    player.muted = true;
    await player.play();
  });
  await page.waitForFunction(
    `(() => {
      const videos = document.querySelectorAll('article[data-sender="bot"] video');
      const last = videos[videos.length - 1];
      return last !== undefined && last.readyState >= 2 && last.currentTime > 0.3;
    })()`,
    undefined,
    { timeout: timeoutMs },
  );
  return video.evaluate((element) => {
    const player = element as unknown as VideoElement;
    player.pause();
    return {
      readyState: player.readyState,
      currentTime: player.currentTime,
      videoWidth: player.videoWidth,
    };
  });
}

/** How far (px) the conversation is scrolled from its end: 0 when the newest message shows. */
export function distanceFromEnd(page: Page): Promise<number> {
  return page.evaluate(`(() => {
    const list = document.getElementById('messages');
    return Math.round(list.scrollHeight - list.scrollTop - list.clientHeight);
  })()`);
}
