import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { ensureSampleMedia, type SampleMedia } from '@mediabot/sample-media';
import {
  createTelegramFake,
  resultOf,
  type Message,
  type TelegramFake,
  type Update,
} from '@mediabot/telegram-fake';
import type { MessageView } from './message-view.ts';
import { startSandboxServer, type SandboxServer } from './sandbox-server.ts';
import { openEventStream, type EventStreamClient } from './testing/event-stream-client.ts';

// The sandbox server against the fake Bot API alone: no services, the test plays the bot.

let fake: TelegramFake;
let sandbox: SandboxServer;
let media: SampleMedia;
const streams: EventStreamClient[] = [];

beforeAll(async () => {
  [fake, media] = await Promise.all([createTelegramFake(), ensureSampleMedia()]);
  sandbox = await startSandboxServer({
    fake,
    samples: [{ title: 'Short video', description: '5 s', url: 'http://127.0.0.1:9/a.mp4' }],
    heartbeatMs: 50,
  });
});

afterAll(async () => {
  for (const stream of streams) stream.close();
  await sandbox?.close();
  await fake?.close();
});

const api = (path: string) => new URL(path, sandbox.url).toString();
const post = (path: string, body: unknown) =>
  fetch(api(path), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

async function events(chatId: number): Promise<EventStreamClient> {
  const stream = await openEventStream(api(`/api/chats/${chatId}/events`));
  streams.push(stream);
  return stream;
}

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

describe('the sandbox server', () => {
  it('serves the page, its assets and its settings with the sample links', async () => {
    const page = await fetch(sandbox.url);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toContain('<script type="module" src="/assets/sandbox.js">');
    for (const [path, type] of [
      ['/assets/sandbox.js', /javascript/],
      ['/assets/sandbox.css', /text\/css/],
    ] as const) {
      const response = await fetch(api(path));
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(type);
    }
    const config = (await (await fetch(api('/api/config'))).json()) as {
      bot: { username: string };
      samples: unknown[];
      languages: string[];
    };
    expect(config.bot.username).toBe(fake.botUser.username);
    expect(config.samples).toHaveLength(1);
    expect(config.languages).toEqual(['en', 'fr', 'es', 'ru']);
  });

  it("sends the page's text to the bot as an update from a user with the chosen language", async () => {
    const received = nextUpdate((update) => update.message?.text === '/start');
    const response = await post('/api/chats/501/messages', {
      text: '  /start  ',
      language: 'ru',
      firstName: 'Ann',
    });
    expect(response.status).toBe(202);
    const update = await received;
    expect(update.message).toMatchObject({
      from: { id: 501, first_name: 'Ann', language_code: 'ru', is_bot: false },
      chat: { id: 501, type: 'private' },
      entities: [{ type: 'bot_command', offset: 0, length: 6 }],
    });
  });

  it('streams what the bot sends, then its edits in place, then deletions', async () => {
    const chatId = 502;
    await post(`/api/chats/${chatId}/messages`, { text: 'hello' });
    const stream = await events(chatId);
    const snapshot = await stream.waitFor<{ messages: MessageView[] }>('snapshot');
    expect(snapshot.messages.map((message) => message.text)).toEqual(['hello']);

    const sent = await resultOf<Message>(fake, 'sendMessage', {
      chat_id: chatId,
      text: '<b>Looking</b> at your link…',
      parse_mode: 'HTML',
      reply_markup: { inline_keyboard: [[{ text: '720p', callback_data: 'q:720p' }]] },
    });
    const shown = await stream.waitFor<MessageView>('message', (m) => m.id === sent.message_id);
    expect(shown).toMatchObject({
      sender: 'bot',
      text: 'Looking at your link…',
      entities: [{ type: 'bold', offset: 0, length: 7 }],
      keyboard: [[{ text: '720p', callbackData: 'q:720p' }]],
      edited: false,
    });

    await resultOf(fake, 'editMessageText', {
      chat_id: chatId,
      message_id: sent.message_id,
      text: 'Downloading… 40%',
    });
    const edited = await stream.waitFor<MessageView>(
      'message',
      (m) => m.id === sent.message_id && m.edited,
    );
    expect(edited).toMatchObject({ text: 'Downloading… 40%', keyboard: [] });

    await resultOf(fake, 'sendChatAction', { chat_id: chatId, action: 'upload_video' });
    await stream.waitFor('action', (data: { action: string }) => data.action === 'upload_video');

    await resultOf(fake, 'deleteMessage', { chat_id: chatId, message_id: sent.message_id });
    await stream.waitFor<MessageView>('message', (m) => m.id === sent.message_id && m.deleted);

    // Another chat's messages stay in their chat.
    await resultOf(fake, 'sendMessage', { chat_id: 501, text: 'for 501 only' });
    await resultOf(fake, 'sendMessage', { chat_id: chatId, text: 'after' });
    await stream.waitFor<MessageView>('message', (m) => m.text === 'after');
    expect(stream.events.some((e) => (e.data as { text?: string }).text === 'for 501 only')).toBe(
      false,
    );
  });

  it('presses inline buttons as a callback query and streams the answer', async () => {
    const chatId = 503;
    await post(`/api/chats/${chatId}/messages`, { text: 'a link' });
    const offer = await resultOf<Message>(fake, 'sendMessage', {
      chat_id: chatId,
      text: 'Choose a quality:',
      reply_markup: { inline_keyboard: [[{ text: '360p', callback_data: 'q:360p' }]] },
    });
    const stream = await events(chatId);
    await stream.waitFor('snapshot');
    const received = nextUpdate((update) => update.callback_query?.data === 'q:360p');
    const response = await post(`/api/chats/${chatId}/callbacks`, {
      messageId: offer.message_id,
      data: 'q:360p',
    });
    expect(response.status).toBe(202);
    const update = await received;
    expect(update.callback_query?.message).toMatchObject({ message_id: offer.message_id });
    await resultOf(fake, 'answerCallbackQuery', {
      callback_query_id: update.callback_query!.id,
      text: 'Got it',
    });
    const answer = await stream.waitFor<{ messageId: number; text: string }>('callback-answer');
    expect(answer).toMatchObject({ messageId: offer.message_id, text: 'Got it' });

    const gone = await post(`/api/chats/${chatId}/callbacks`, {
      messageId: offer.message_id,
      data: 'q:1080p',
    });
    expect(gone.status).toBe(409);
  });

  it('serves a delivered video with its content type and byte ranges', async () => {
    const chatId = 504;
    await post(`/api/chats/${chatId}/messages`, { text: 'video please' });
    const bytes = await readFile(media.mp4Small);
    const sent = await resultOf<Message>(
      fake,
      'sendVideo',
      { chat_id: chatId, width: 640, height: 360, duration: 5, supports_streaming: true },
      { files: { video: Object.assign(new Blob([bytes]), { name: 'small.mp4' }) } },
    );
    const view = (
      (await (await fetch(api(`/api/chats/${chatId}`))).json()) as { messages: MessageView[] }
    ).messages.find((message) => message.id === sent.message_id);
    expect(view?.media).toMatchObject({
      kind: 'video',
      mimeType: 'video/mp4',
      size: bytes.length,
      width: 640,
    });

    const whole = await fetch(api(view!.media!.url));
    expect(whole.status).toBe(200);
    expect(whole.headers.get('content-type')).toBe('video/mp4');
    expect(whole.headers.get('accept-ranges')).toBe('bytes');
    expect(Buffer.from(await whole.arrayBuffer()).equals(bytes)).toBe(true);

    const part = await fetch(api(view!.media!.url), { headers: { range: 'bytes=100-199' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 100-199/${bytes.length}`);
    expect(Buffer.from(await part.arrayBuffer()).equals(bytes.subarray(100, 200))).toBe(true);

    const beyond = await fetch(api(view!.media!.url), {
      headers: { range: `bytes=${bytes.length + 10}-` },
    });
    expect(beyond.status).toBe(416);
    expect((await fetch(api('/files/videos/../../etc/passwd'))).status).toBe(404);
    expect((await fetch(api('/files/videos/file_999.mp4'))).status).toBe(404);
  });

  it('refuses bad input with a reason', async () => {
    const empty = await post('/api/chats/505/messages', { text: '   ' });
    expect(empty.status).toBe(400);
    const badLanguage = await post('/api/chats/505/messages', { text: 'hi', language: 'de' });
    expect(badLanguage.status).toBe(400);
    expect(((await badLanguage.json()) as { error: string }).error).toMatch(/language/);
    const badChat = await fetch(api('/api/chats/abc'));
    expect(badChat.status).toBe(400);
    expect(((await badChat.json()) as { error: string }).error).toMatch(/chat id/);
    const notJson = await fetch(api('/api/chats/505/messages'), { method: 'POST', body: '{' });
    expect(notJson.status).toBe(400);
    expect((await fetch(api('/api/chats/505/messages'))).status).toBe(405);
    expect((await fetch(api('/nowhere'))).status).toBe(404);
  });
});
