import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { Markup, Telegraf, TelegramError } from 'telegraf';
import { message } from 'telegraf/filters';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTelegramDriver, type TelegramDriver } from '../driver/telegram-driver.ts';
import { createTelegramFake, type TelegramFake } from '../server/telegram-fake.ts';

// The fake must hold up against a real client: telegraf, pointed at it through apiRoot.

let fake: TelegramFake;
let driver: TelegramDriver;

beforeEach(async () => {
  fake = await createTelegramFake({
    // Telegraf's stop() confirms the offset with a quick repeat poll, which Telegram (and the fake,
    // by default) holds for 3 s; tests do not need to wait it out.
    timing: { repeatedPollGuardMs: 0, setWebhookIntervalMs: 0, webhookRetryUnitMs: 1 },
  });
  driver = createTelegramDriver(fake);
});
afterEach(() => fake.close());

const newBot = (): Telegraf => new Telegraf(fake.token, { telegram: { apiRoot: fake.url } });

function launched(bot: Telegraf): { started: Promise<void>; stopped: Promise<unknown> } {
  let markStarted: () => void = () => undefined;
  const started = new Promise<void>((resolve) => {
    markStarted = resolve;
  });
  const stopped = bot
    .launch({ dropPendingUpdates: true }, () => markStarted())
    .then(
      () => undefined,
      (error: unknown) => error,
    );
  return { started, stopped };
}

describe('telegraf against the fake', () => {
  it('calls methods and sees Bot API errors as TelegramError', async () => {
    const bot = newBot();
    expect((await bot.telegram.getMe()).username).toBe(fake.botUser.username);
    const user = driver.user({ id: 10, first_name: 'Tom' });
    user.sendText('hi');
    const sent = await bot.telegram.sendMessage(user.chatId, '*Ready*', {
      parse_mode: 'MarkdownV2',
    });
    expect(sent).toMatchObject({
      text: 'Ready',
      entities: [{ type: 'bold', offset: 0, length: 5 }],
    });

    const failure = await bot.telegram
      .sendMessage(user.chatId, 'x'.repeat(4097))
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(TelegramError);
    expect((failure as TelegramError).description).toBe('Bad Request: message is too long');

    fake.faults.tooManyRequests({ method: 'sendMessage' }, 5, 1);
    const limited = await bot.telegram
      .sendMessage(user.chatId, 'x')
      .catch((error: unknown) => error);
    expect(limited).toMatchObject({ code: 429, parameters: { retry_after: 5 } });
  });

  it('uploads a video from a Buffer and from a stream, re-sends it by file_id and downloads it', async () => {
    const bot = newBot();
    const user = driver.user({ id: 11, first_name: 'Ida' });
    user.sendText('/start');
    const bytes = Buffer.from('not really an mp4, but bytes all the same');

    const fromBuffer = await bot.telegram.sendVideo(
      user.chatId,
      { source: bytes, filename: 'clip.mp4' },
      { duration: 3, width: 640, height: 360, supports_streaming: true, caption: 'Here you go' },
    );
    expect(fromBuffer.video).toMatchObject({
      duration: 3,
      width: 640,
      height: 360,
      file_size: bytes.length,
    });
    expect(fromBuffer.caption).toBe('Here you go');

    const fromStream = await bot.telegram.sendVideo(user.chatId, {
      source: Readable.from([bytes.subarray(0, 10), bytes.subarray(10)]),
      filename: 'stream.mp4',
    });
    expect(fromStream.video?.file_size).toBe(bytes.length);

    const resent = await bot.telegram.sendVideo(user.chatId, fromBuffer.video.file_id);
    expect(resent.video.file_unique_id).toBe(fromBuffer.video.file_unique_id);

    const link = await bot.telegram.getFileLink(fromBuffer.video.file_id);
    expect(Buffer.from(await (await fetch(link)).arrayBuffer()).equals(bytes)).toBe(true);
    expect(
      fake.transcript(user.chatId).filter((entry) => entry.media?.kind === 'video'),
    ).toHaveLength(3);
  });

  it('long-polls with bot.launch: commands, inline buttons, callback answers, edits', async () => {
    const bot = newBot();
    bot.command('start', (ctx) =>
      ctx.reply(
        'Send me a link',
        Markup.inlineKeyboard([Markup.button.callback('Audio only', 'fmt:mp3')]),
      ),
    );
    bot.action('fmt:mp3', async (ctx) => {
      await ctx.answerCbQuery('Converting…');
      await ctx.editMessageText('Audio it is');
    });
    bot.on(message('text'), (ctx) => ctx.reply(`Got ${ctx.message.text}`));
    const { started, stopped } = launched(bot);
    await started;
    await driver.waitForPolling();
    try {
      const user = driver.user({ id: 12, first_name: 'Uma', username: 'uma' });
      user.sendText('/start');
      const menu = await driver.waitForMessage(
        user.chatId,
        (sent) => sent.text === 'Send me a link',
      );
      const click = user.clickButton(menu, 'Audio only');
      expect(await driver.waitForCallbackAnswer(click.callbackQueryId)).toMatchObject({
        text: 'Converting…',
      });
      await driver.waitForMessage(user.chatId, (sent) => sent.text === 'Audio it is');

      user.sendText('https://youtu.be/x');
      await driver.waitForMessage(user.chatId, (sent) => sent.text === 'Got https://youtu.be/x');
    } finally {
      bot.stop('test over');
      await stopped;
    }
  });

  it('a second polling instance ends the first one with 409', async () => {
    const first = newBot();
    const firstRun = launched(first);
    await firstRun.started;
    await driver.waitForPolling();
    const second = newBot();
    second.on(message('text'), (ctx) => ctx.reply('second instance here'));
    const secondRun = launched(second);
    try {
      const error = await firstRun.stopped;
      expect(error).toBeInstanceOf(TelegramError);
      expect((error as TelegramError).description).toBe(
        'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running',
      );
      await secondRun.started;
      await driver.waitForPolling();
      const user = driver.user({ id: 13, first_name: 'Vic' });
      user.sendText('anyone?');
      await driver.waitForMessage(user.chatId, (sent) => sent.text === 'second instance here');
    } finally {
      second.stop();
      await secondRun.stopped;
    }
  });

  describe('webhook mode', () => {
    let server: Server;
    let url: string;
    const bot = (): Telegraf => {
      const instance = newBot();
      instance.on(message('text'), (ctx) => ctx.reply(`hooked: ${ctx.message.text}`));
      instance.action('ok', (ctx) => ctx.answerCbQuery('answered in the webhook reply'));
      return instance;
    };

    beforeEach(async () => {
      const instance = bot();
      const callback = instance.webhookCallback('/telegram', { secretToken: 'hook_secret-1' });
      server = createServer((request, response) => void callback(request, response));
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/telegram`;
    });
    afterEach(async () => {
      await fake.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    });

    it('delivers updates with the secret token and runs replies made in the webhook response', async () => {
      await bot().telegram.setWebhook(url, { secret_token: 'hook_secret-1' });
      const user = driver.user({ id: 14, first_name: 'Wes' });
      user.sendText('ping');
      const reply = await driver.waitForMessage(
        user.chatId,
        (sent) => sent.text === 'hooked: ping',
      );

      const withButton = await bot().telegram.sendMessage(
        user.chatId,
        'Confirm?',
        Markup.inlineKeyboard([Markup.button.callback('OK', 'ok')]),
      );
      expect(reply.sender).toBe('bot');
      const click = user.clickButton(withButton.message_id, 'OK');
      expect(await driver.waitForCallbackAnswer(click.callbackQueryId)).toMatchObject({
        text: 'answered in the webhook reply',
      });
      const answered = await driver.waitForBotCall((call) => call.method === 'answerCallbackQuery');
      expect(answered.via).toBe('webhook-reply');
    });

    it('keeps retrying when the secret token does not match (telegraf answers 403)', async () => {
      await bot().telegram.setWebhook(url, { secret_token: 'another_secret' });
      const { update } = driver.user({ id: 15, first_name: 'Xia' }).sendText('refused');
      await driver.waitForWebhookAttempt(
        (attempt) => attempt.updateId === update?.update_id && attempt.attempt >= 2,
      );
      const info = await bot().telegram.getWebhookInfo();
      expect(info.last_error_message).toBe('Wrong response from the webhook: 403 Forbidden');
      expect(info.pending_update_count).toBe(1);
    });
  });
});
