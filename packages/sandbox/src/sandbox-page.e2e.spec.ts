import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureSampleMedia, type SampleMedia } from '@mediabot/sample-media';
import {
  createTelegramFake,
  resultOf,
  type Message,
  type TelegramFake,
  type Update,
} from '@mediabot/telegram-fake';
import { startSandboxServer, type SandboxServer } from './sandbox-server.ts';
import {
  distanceFromEnd,
  launchChromium,
  playLastVideo,
  saveScreenshot,
  type HeadlessBrowser,
} from './testing/browser.ts';

// The sandbox page in headless Chromium against the fake Bot API alone: the test plays the bot
// through the Bot API, the browser plays the person.

let fake: TelegramFake;
let sandbox: SandboxServer;
let media: SampleMedia;
let browser: HeadlessBrowser;
let page: Page;
const pageErrors: string[] = [];
const chatId = 601;
const sampleUrl = 'http://127.0.0.1:9/small-720p.mp4';

beforeAll(async () => {
  [fake, media, browser] = await Promise.all([
    createTelegramFake(),
    ensureSampleMedia(),
    launchChromium(),
  ]);
  sandbox = await startSandboxServer({
    fake,
    samples: [{ title: 'Short video', description: '5 s MP4', url: sampleUrl }],
  });
  page = await browser.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.goto(`${sandbox.url}?user=${chatId}&lang=fr`);
  await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await sandbox?.close();
  await fake?.close();
});

function nextUpdate(predicate: (update: Update) => boolean): Promise<Update> {
  return new Promise((resolve) => {
    const listener = (update: Update) => {
      if (!predicate(update)) return;
      fake.events.off('update', listener);
      resolve(update);
    };
    fake.events.on('update', listener);
  });
}

const botMessages = () => page.locator('article[data-sender="bot"]');
const messageBox = () => page.getByRole('textbox', { name: 'Message' });

describe('the sandbox page', () => {
  it('sends what the person types as a message from a user with the chosen language', async () => {
    const received = nextUpdate((update) => update.message?.text === 'hello there');
    await messageBox().fill('hello there');
    await messageBox().press('Enter');
    const update = await received;
    expect(update.message?.from).toMatchObject({ id: chatId, language_code: 'fr' });
    await page.locator('article[data-sender="user"]', { hasText: 'hello there' }).waitFor();
    expect(await messageBox().inputValue()).toBe('');
  });

  it("shows the bot's message with its formatting and buttons, then replaces it when edited", async () => {
    const sent = await resultOf<Message>(fake, 'sendMessage', {
      chat_id: chatId,
      text: '<b>small-720p</b>\n\nChoose a quality:',
      parse_mode: 'HTML',
      reply_markup: {
        inline_keyboard: [
          [
            { text: '720p · 0.6 MB', callback_data: 'q:720p' },
            { text: 'Audio MP3', callback_data: 'q:mp3' },
          ],
        ],
      },
    });
    const bubble = page.locator(`article[data-message-id="${sent.message_id}"]`);
    await bubble.getByRole('button', { name: '720p · 0.6 MB' }).waitFor();
    expect(await bubble.locator('strong').textContent()).toBe('small-720p');
    const countBefore = await botMessages().count();

    await resultOf(fake, 'editMessageText', {
      chat_id: chatId,
      message_id: sent.message_id,
      text: 'small-720p\n\nDownloading… 40%',
    });
    await bubble.filter({ hasText: 'Downloading… 40%' }).waitFor();
    expect(await botMessages().count()).toBe(countBefore);
    expect(await bubble.getAttribute('data-edited')).toBe('true');
    expect(await bubble.getByRole('button').count()).toBe(0);
    expect(await page.getByText('Choose a quality:').count()).toBe(0);
  });

  it('presses an inline button as a callback query and shows the answer', async () => {
    const offer = await resultOf<Message>(fake, 'sendMessage', {
      chat_id: chatId,
      text: 'Pick one',
      reply_markup: { inline_keyboard: [[{ text: '360p', callback_data: 'q:360p' }]] },
    });
    const received = nextUpdate((update) => update.callback_query?.data === 'q:360p');
    await page
      .locator(`article[data-message-id="${offer.message_id}"]`)
      .getByRole('button', { name: '360p' })
      .click();
    const update = await received;
    expect(update.callback_query?.message?.message_id).toBe(offer.message_id);
    await resultOf(fake, 'answerCallbackQuery', {
      callback_query_id: update.callback_query!.id,
      text: 'Quality chosen',
    });
    await page.locator('.toast', { hasText: 'Quality chosen' }).waitFor();
  });

  it('sends a sample link and a command from the menu with one click', async () => {
    const link = nextUpdate((update) => update.message?.text === sampleUrl);
    await page.getByRole('button', { name: /Send Short video/ }).click();
    expect((await link).message?.entities?.[0]?.type).toBe('url');

    const help = nextUpdate((update) => update.message?.text === '/help');
    await page.getByRole('button', { name: "Show the bot's commands" }).click();
    await page.getByRole('button', { name: /^\/help/ }).click();
    await help;
  });

  it('plays a video the bot sends', async () => {
    const bytes = await readFile(media.mp4Small);
    await resultOf<Message>(
      fake,
      'sendVideo',
      {
        chat_id: chatId,
        caption: 'small-360p',
        width: 640,
        height: 360,
        duration: 5,
        supports_streaming: true,
      },
      { files: { video: Object.assign(new Blob([bytes]), { name: 'small-360p.mp4' }) } },
    );
    await botMessages().locator('video').last().waitFor();
    const playback = await playLastVideo(page);
    expect(playback.readyState).toBeGreaterThanOrEqual(2);
    expect(playback.currentTime).toBeGreaterThan(0.3);
    expect(playback.videoWidth).toBe(640);
    // The view follows the conversation: the newest message is in sight.
    expect(await distanceFromEnd(page)).toBeLessThan(5);
    await saveScreenshot(page, 'sandbox-page.png');
    expect(pageErrors).toEqual([]);
  });
});
