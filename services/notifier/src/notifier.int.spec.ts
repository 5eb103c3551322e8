import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestStream, SettingsChosen } from '@mediabot/contracts';
import type { Message } from '@mediabot/telegram-fake';
import { startNotifierHarness, type NotifierHarness } from './testing/notifier-harness.ts';
import { command, journey, mediaReady, progressed } from './testing/journey-events.ts';

const MB = 1024 * 1024;
let h: NotifierHarness;
let nextUserId = 500_000_000 + Math.floor(Math.random() * 100_000_000);

beforeAll(async () => {
  h = await startNotifierHarness();
});
afterAll(async () => {
  await h?.stop();
});

/** A user who opened a chat with the bot and sent it a link (whose message the bot replies to). */
function newUser(language = 'en') {
  const user = h.driver.user({ id: nextUserId++, first_name: 'Ann', language_code: language });
  const action = user.sendText('https://www.youtube.com/watch?v=aqz-KE-bpKQ');
  return { user, chatId: user.chatId, messageId: action.message.message_id };
}

const buttonsOf = (message: Message) =>
  message.reply_markup?.inline_keyboard.map((row) => row.map((button) => button.text));

async function storeVideo(
  objectKey: string,
  sizeBytes = 200_000,
  bucket: 'media' | 'raw' = 'media',
): Promise<void> {
  await h.storage.putStream(bucket, objectKey, Readable.from([Buffer.alloc(sizeBytes, 7)]), {
    contentType: 'video/mp4',
    sizeBytes,
  });
}

async function eventsOf(requestId: string) {
  return h.store.readStream(requestStream(requestId));
}

describe('the download journey', () => {
  it('answers a link with a status message, edits it along the way and uploads the video once', async () => {
    const { chatId, messageId } = newUser();
    const request = journey({ chatId, userMessageId: messageId });

    let mark = h.driver.mark();
    await h.append(request.requested());
    const status = await h.driver.waitForMessage(
      chatId,
      (message) => message.text === '🔎 Looking at your link…',
      { after: mark, timeoutMs: 15_000 },
    );
    expect(status.message.reply_to_message?.message_id).toBe(messageId);
    const isStatus = (message: Message) => message.message_id === status.messageId;

    mark = h.driver.mark();
    await h.append(request.probed());
    const choosing = await h.driver.waitForMessage(
      chatId,
      (message) => isStatus(message) && (message.text ?? '').includes('Choose a quality'),
      { after: mark, timeoutMs: 15_000 },
    );
    expect(choosing.message.text).toBe('Big Buck Bunny\n⏱ 10:35  👤 Blender\n\nChoose a quality:');
    expect(buttonsOf(choosing.message)).toEqual([
      ['1080p · 96 MB', '720p · 34 MB'],
      ['Audio MP3 · 5 MB'],
      ['✖️ Cancel'],
    ]);

    mark = h.driver.mark();
    await h.append(request.formatSelected(), request.fetchQueued(true));
    await h.driver.waitForMessage(
      chatId,
      (message) => isStatus(message) && (message.text ?? '').endsWith('⏳ Queued · 720p'),
      { after: mark, timeoutMs: 15_000 },
    );

    mark = h.driver.mark();
    await h.append(progressed(request.cacheKey, 45));
    const downloading = await h.driver.waitForMessage(
      chatId,
      (message) => isStatus(message) && (message.text ?? '').includes('⬇️ Downloading…'),
      { after: mark, timeoutMs: 15_000 },
    );
    expect(downloading.message.text).toMatch(
      /▓▓▓▓░░░░ 45% · 12\.\d\/27\.0 MB · 2\.1 MB\/s · ETA 7s$/,
    );

    const objectKey = `media/${request.requestId}.mp4`;
    await storeVideo(objectKey);
    // A JPEG start-of-frame header is all the fake reads: 160×90.
    const thumbnail = Buffer.concat([
      Buffer.from([0xff, 0xd8, 0xff, 0xc0, 0x00, 0x11, 0x08, 0x00, 0x5a, 0x00, 0xa0]),
      Buffer.alloc(64),
    ]);
    const thumbnailObjectKey = `media/${request.requestId}.jpg`;
    await h.storage.putStream('media', thumbnailObjectKey, Readable.from([thumbnail]), {
      contentType: 'image/jpeg',
      sizeBytes: thumbnail.length,
    });
    mark = h.driver.mark();
    await h.append(
      mediaReady(request.cacheKey, { objectKey, sizeBytes: 200_000, thumbnailObjectKey }),
    );
    await h.driver.waitForMessage(
      chatId,
      (message) => isStatus(message) && (message.text ?? '').endsWith('✅ Sent! Enjoy.'),
      { after: mark, timeoutMs: 15_000 },
    );

    const uploads = h.fake.calls.filter(
      (call) => call.method === 'sendVideo' && call.chatId === chatId,
    );
    expect(uploads).toHaveLength(1);
    const [upload] = uploads;
    expect(upload?.response?.ok).toBe(true);
    expect(upload?.params).toMatchObject({
      video: { upload: { fileName: 'big-buck-bunny-720p.mp4', size: 200_000 } },
    });
    expect(
      ['width', 'height', 'duration', 'supports_streaming'].map((name) =>
        String(upload?.params[name]),
      ),
    ).toEqual(['1280', '720', '635', 'true']);
    const video = h.driver
      .transcript(chatId)
      .find((entry) => entry.sender === 'bot' && entry.message.video !== undefined);
    expect(video?.message.caption).toBe('Big Buck Bunny');
    expect(video?.message.video?.thumbnail).toMatchObject({ width: 160, height: 90 });
    expect(video?.message.reply_to_message?.message_id).toBe(messageId);

    await expect
      .poll(async () => (await eventsOf(request.requestId)).map((event) => event.type))
      .toContain('download.delivered');
    const delivered = (await eventsOf(request.requestId)).find(
      (event) => event.type === 'download.delivered',
    );
    expect(delivered?.data).toMatchObject({
      requestId: request.requestId,
      cacheKey: request.cacheKey,
      via: 'upload',
      telegramFileId: video?.message.video?.file_id,
      telegramMessageId: video?.messageId,
    });
  });

  it('serves 20 requests waiting on one fetch with one upload and 19 sends by file_id', async () => {
    const cacheKey = `youtube:shared-${nextUserId}#720p`;
    const people = Array.from({ length: 20 }, () => newUser());
    const requests = people.map((person) =>
      journey({ chatId: person.chatId, userMessageId: person.messageId, cacheKey }),
    );
    const queued = requests.map((request, index) => request.fetchQueued(index === 0));
    for (const [index, request] of requests.entries())
      await h.append(request.requested(), request.formatSelected(), queued[index]!);
    for (const event of queued) await h.handled(event.eventId, 30_000);

    const objectKey = `media/shared-${nextUserId}.mp4`;
    await storeVideo(objectKey, 300_000);
    await h.append(mediaReady(cacheKey, { objectKey, sizeBytes: 300_000 }));

    const deliveries = async () =>
      (await Promise.all(requests.map((request) => eventsOf(request.requestId))))
        .flat()
        .filter((event) => event.type === 'download.delivered');
    await expect.poll(async () => (await deliveries()).length, { timeout: 30_000 }).toBe(20);

    const chats = new Set(people.map((person) => person.chatId));
    const sends = h.fake.calls.filter(
      (call) => call.method === 'sendVideo' && chats.has(call.chatId ?? 0) && call.response?.ok,
    );
    expect(sends).toHaveLength(20);
    const uploaded = sends.filter((call) => typeof call.params.video === 'object');
    const byFileId = sends.filter((call) => typeof call.params.video === 'string');
    expect(uploaded).toHaveLength(1);
    expect(byFileId).toHaveLength(19);
    const firstResult = uploaded[0]?.response?.ok
      ? (uploaded[0].response.result as Message)
      : undefined;
    const fileId = firstResult?.video?.file_id;
    expect(fileId).toBeTruthy();
    expect(new Set(byFileId.map((call) => call.params.video))).toEqual(new Set([fileId]));
    expect(new Set(sends.map((call) => call.chatId)).size).toBe(20);
    const via = (await deliveries()).map((event) => (event.data as { via: string }).via);
    expect(via.filter((kind) => kind === 'upload')).toHaveLength(1);
    expect(via.filter((kind) => kind === 'file-id')).toHaveLength(19);
  });

  it('reports a file_id Telegram refuses (storage fetches again) and tells the user it takes a moment', async () => {
    const { chatId, messageId } = newUser('fr');
    const request = journey({ chatId, userMessageId: messageId, language: 'fr' });
    const mark = h.driver.mark();
    await h.append(
      request.requested(),
      request.formatSelected(),
      request.cacheHit('AgAD-forgotten-file', null),
    );

    await expect
      .poll(async () => (await eventsOf(request.requestId)).map((event) => event.type), {
        timeout: 15_000,
      })
      .toContain('download.file-id-rejected');
    const rejected = (await eventsOf(request.requestId)).find(
      (event) => event.type === 'download.file-id-rejected',
    );
    expect(rejected?.data).toEqual({
      requestId: request.requestId,
      chatId,
      cacheKey: request.cacheKey,
      telegramFileId: 'AgAD-forgotten-file',
    });
    await h.driver.waitForMessage(
      chatId,
      (message) => (message.text ?? '').includes('Telegram n’a plus ce fichier'),
      { after: mark, timeoutMs: 15_000 },
    );
    expect(h.driver.transcript(chatId).some((entry) => entry.message.video)).toBe(false);
  });

  it('sends audio with its title, performer and duration', async () => {
    const { chatId, messageId } = newUser();
    const request = journey({ chatId, userMessageId: messageId });
    const queued = request.fetchQueued(true);
    await h.append(request.requested(), request.formatSelected(), queued);
    await h.handled(queued.eventId);
    const objectKey = `media/${request.requestId}.mp3`;
    await h.storage.putStream('media', objectKey, Readable.from([Buffer.alloc(30_000, 3)]), {
      contentType: 'audio/mpeg',
      sizeBytes: 30_000,
    });
    await h.append(mediaReady(request.cacheKey, { objectKey, sizeBytes: 30_000, kind: 'audio' }));
    const sent = await h.driver.waitForMessage(chatId, (message) => message.audio !== undefined, {
      after: 0,
      timeoutMs: 15_000,
    });
    expect(sent.message.audio).toMatchObject({
      title: 'Big Buck Bunny',
      performer: 'Blender',
      duration: 635,
      file_name: 'big-buck-bunny.mp3',
    });
  });

  it('uploads from object storage on a cache hit that has no file_id yet', async () => {
    const { chatId, messageId } = newUser();
    const request = journey({ chatId, userMessageId: messageId });
    const objectKey = `media/cached-${request.requestId}.mp4`;
    await storeVideo(objectKey, 80_000);
    const mark = h.driver.mark();
    await h.append(
      request.requested(),
      request.formatSelected(),
      request.cacheHit(null, objectKey),
    );
    await h.driver.waitForMessage(
      chatId,
      (message) => (message.text ?? '').endsWith('✅ Sent! Enjoy.'),
      { after: mark, timeoutMs: 15_000 },
    );
    const sends = h.fake.calls.filter(
      (call) => call.method === 'sendVideo' && call.chatId === chatId,
    );
    expect(sends.map((call) => call.params.video)).toEqual([
      { upload: { fileName: `cached-${request.requestId}.mp4`, size: 80_000 } },
    ]);
    await expect
      .poll(async () => (await eventsOf(request.requestId)).map((event) => event.data))
      .toContainEqual(expect.objectContaining({ via: 'upload' }));
  });

  it('uploads a download delivered as it was fetched from the raw bucket, on media-ready and on a cache hit', async () => {
    const { chatId, messageId } = newUser();
    const request = journey({ chatId, userMessageId: messageId });
    // Only in the raw bucket: an upload that opened the media bucket would find nothing.
    const objectKey = `cache-raw/${request.requestId}/clip.mp4`;
    await storeVideo(objectKey, 90_000, 'raw');
    let mark = h.driver.mark();
    await h.append(request.requested(), request.formatSelected(), request.fetchQueued(true));
    await h.append(mediaReady(request.cacheKey, { objectKey, bucket: 'raw', sizeBytes: 90_000 }));
    await h.driver.waitForMessage(
      chatId,
      (message) => (message.text ?? '').endsWith('✅ Sent! Enjoy.'),
      { after: mark, timeoutMs: 15_000 },
    );
    const uploads = () =>
      h.fake.calls.filter((call) => call.method === 'sendVideo' && call.chatId === chatId);
    expect(uploads().map((call) => call.params.video)).toEqual([
      { upload: { fileName: 'big-buck-bunny-720p.mp4', size: 90_000 } },
    ]);

    // Another chat asks later; storage answers from the cache with the raw object.
    const other = newUser();
    const again = journey({ chatId: other.chatId, userMessageId: other.messageId });
    const otherObject = `cache-raw/${again.requestId}/clip.mp4`;
    await storeVideo(otherObject, 70_000, 'raw');
    mark = h.driver.mark();
    await h.append(
      again.requested(),
      again.formatSelected(),
      again.cacheHit(null, otherObject, 'raw'),
    );
    await h.driver.waitForMessage(
      other.chatId,
      (message) => (message.text ?? '').endsWith('✅ Sent! Enjoy.'),
      { after: mark, timeoutMs: 15_000 },
    );
    const otherSends = h.fake.calls.filter(
      (call) => call.method === 'sendVideo' && call.chatId === other.chatId,
    );
    expect(otherSends.map((call) => call.params.video)).toEqual([
      { upload: { fileName: 'clip.mp4', size: 70_000 } },
    ]);
  });

  it('offers /cancel for the running request and shows it cancelled', async () => {
    const { chatId, messageId } = newUser();
    const request = journey({ chatId, userMessageId: messageId });
    const probed = request.probed();
    await h.append(request.requested(), probed);
    await h.handled(probed.eventId);
    let mark = h.driver.mark();
    await h.append(command(chatId, messageId, 'cancel'));
    const prompt = await h.driver.waitForMessage(
      chatId,
      (message) => (message.text ?? '').startsWith('Stop this download?'),
      { after: mark, timeoutMs: 15_000 },
    );
    expect(prompt.message.reply_markup?.inline_keyboard).toEqual([
      [{ text: '✖️ Cancel', callback_data: `x:${request.requestId}` }],
    ]);
    mark = h.driver.mark();
    await h.append(request.cancelled());
    const cancelled = await h.driver.waitForMessage(
      chatId,
      (message) => (message.text ?? '').endsWith('🚫 Cancelled.'),
      { after: mark, timeoutMs: 15_000 },
    );
    expect(cancelled.message.reply_markup).toBeUndefined();
  });

  it('edits progress at most once per interval', async () => {
    const { chatId, messageId } = newUser();
    const request = journey({ chatId, userMessageId: messageId });
    const queued = request.fetchQueued(true);
    await h.append(request.requested(), request.formatSelected(), queued);
    await h.handled(queued.eventId);
    const first = progressed(request.cacheKey, 45);
    const second = progressed(request.cacheKey, 60);
    await h.append(first);
    await h.handled(first.eventId);
    await h.append(second);
    await h.handled(second.eventId);
    const status = h.driver.transcript(chatId).find((entry) => entry.sender === 'bot');
    expect(status?.message.text).toContain('45%');
    expect(status?.message.text).not.toContain('60%');
  });

  it('explains a failure in the user’s language without the technical detail', async () => {
    const { chatId, messageId } = newUser('ru');
    const request = journey({ chatId, userMessageId: messageId, language: 'ru' });
    const mark = h.driver.mark();
    await h.append(request.requested(), request.failed('geo_blocked'));
    const failed = await h.driver.waitForMessage(
      chatId,
      (message) => (message.text ?? '').includes('недоступно в стране'),
      { after: mark, timeoutMs: 15_000 },
    );
    expect(failed.message.text).not.toMatch(/ERROR|trace/);
    expect(failed.message.text).toContain(`🆔 ${request.requestId.replace(/-/g, '').slice(-8)}`);
  });

  it('sends a link for a file over the upload limit', async () => {
    const { chatId, messageId } = newUser();
    const request = journey({ chatId, userMessageId: messageId });
    await h.append(
      request.requested(),
      request.probed(),
      request.formatSelected(),
      request.fetchQueued(true),
    );
    let mark = h.driver.mark();
    await h.append(
      mediaReady(request.cacheKey, { objectKey: 'media/big.mp4', sizeBytes: 80 * MB }),
    );
    await h.driver.waitForMessage(
      chatId,
      (message) =>
        (message.text ?? '').includes(
          'This file is 80 MB, more than Telegram lets bots upload (50 MB)',
        ),
      { after: mark, timeoutMs: 15_000 },
    );
    mark = h.driver.mark();
    await h.append(
      request.linkIssued(
        'https://files.example.com/media/big.mp4?X-Amz-Signature=abc&x=1',
        80 * MB,
      ),
    );
    const link = await h.driver.waitForMessage(
      chatId,
      (message) => (message.text ?? '').includes('too big to upload'),
      { after: mark, timeoutMs: 15_000 },
    );
    expect(link.message.text).toContain('The link expires in 24 hours.');
    expect(link.message.entities?.find((entity) => entity.type === 'text_link')).toMatchObject({
      url: 'https://files.example.com/media/big.mp4?X-Amz-Signature=abc&x=1',
    });
    await expect
      .poll(async () => (await eventsOf(request.requestId)).map((event) => event.data))
      .toContainEqual(expect.objectContaining({ via: 'link', telegramMessageId: link.messageId }));
    expect(h.fake.calls.some((call) => call.method === 'sendVideo' && call.chatId === chatId)).toBe(
      false,
    );
  });
});

describe('flood control', () => {
  it('waits out a 429 inside the handler and sends the message once', async () => {
    const { chatId, messageId } = newUser();
    h.fake.faults.tooManyRequests({ method: 'sendMessage', chatId }, 1, 1);
    const mark = h.driver.mark();
    await h.append(command(chatId, messageId, 'help'));
    await h.driver.waitForBotCall(
      (call) => call.method === 'sendMessage' && call.chatId === chatId && call.httpStatus === 200,
      { after: mark, timeoutMs: 15_000 },
    );
    const sends = h.fake.calls.filter(
      (call) => call.method === 'sendMessage' && call.chatId === chatId,
    );
    expect(sends.map((call) => call.httpStatus)).toEqual([429, 200]);
  });
});

describe('conversation', () => {
  it('welcomes with an account summary and redraws /settings in the language just chosen', async () => {
    const { chatId, messageId } = newUser();
    let mark = h.driver.mark();
    await h.append(command(chatId, messageId, 'start', { firstName: 'Ann' }));
    const welcome = await h.driver.waitForMessage(
      chatId,
      (message) => (message.text ?? '').startsWith('👋 Hi, Ann!'),
      { after: mark, timeoutMs: 15_000 },
    );
    expect(welcome.message.text).toContain(
      'Your account\nLanguage: English\nDefault quality: Ask every time\nFiles received: 0',
    );

    mark = h.driver.mark();
    await h.append(command(chatId, messageId, 'settings'));
    const settings = await h.driver.waitForMessage(
      chatId,
      (message) => (message.text ?? '').includes('⚙️ Settings'),
      { after: mark, timeoutMs: 15_000 },
    );
    expect(buttonsOf(settings.message)).toEqual([
      ['✓ 🇬🇧 English', '🇫🇷 Français'],
      ['🇪🇸 Español', '🇷🇺 Русский'],
      ['1080p', '720p', '360p'],
      ['Audio MP3', '✓ Ask every time'],
    ]);

    mark = h.driver.mark();
    await h.append(
      SettingsChosen.create(
        {
          updateId: 1,
          chatId,
          messageId: settings.messageId,
          callbackQueryId: 'cb-1',
          user: { telegramUserId: chatId, username: null, firstName: 'Ann', languageCode: 'en' },
          languageCode: 'fr',
        },
        { streamId: `update-settings-${chatId}`, actor: { kind: 'user', id: String(chatId) } },
      ),
    );
    const redrawn = await h.driver.waitForMessage(
      chatId,
      (message) =>
        message.message_id === settings.messageId && (message.text ?? '').includes('Réglages'),
      { after: mark, timeoutMs: 15_000 },
    );
    expect(redrawn.message.text).toMatch(/^✅ C’est noté\u00a0: on continue en Français\./);
    expect(buttonsOf(redrawn.message)?.[0]).toEqual(['🇬🇧 English', '✓ 🇫🇷 Français']);
  });

  it('says there is nothing to cancel, and answers /status about the latest request', async () => {
    const { chatId, messageId } = newUser('es');
    let mark = h.driver.mark();
    await h.append(command(chatId, messageId, 'cancel', { language: 'es' }));
    await h.driver.waitForMessage(
      chatId,
      (message) => message.text === 'No hay nada que cancelar ahora mismo.',
      { after: mark, timeoutMs: 15_000 },
    );
    const request = journey({ chatId, userMessageId: messageId, language: 'es' });
    const queued = request.fetchQueued(false);
    await h.append(request.requested(), request.formatSelected(), queued);
    await h.handled(queued.eventId);
    mark = h.driver.mark();
    await h.append(command(chatId, messageId, 'status', { language: 'es' }));
    const answer = await h.driver.waitForMessage(
      chatId,
      (message) => (message.text ?? '').includes('🆔'),
      { after: mark, timeoutMs: 15_000 },
    );
    expect(answer.message.text).toContain('Alguien pidió este archivo justo antes que tú');
    expect(buttonsOf(answer.message)).toEqual([['✖️ Cancelar']]);
  });

  it('sends one message when the same event is handled twice, even at the same time', async () => {
    const { chatId, messageId } = newUser();
    const help = command(chatId, messageId, 'help');
    await h.notifier.handle(help);
    await h.notifier.handle(help);
    const stats = command(chatId, messageId, 'stats');
    await Promise.allSettled([h.notifier.handle(stats), h.notifier.handle(stats)]);
    await h.notifier.handle(stats);
    const sent = h.fake.calls.filter(
      (call) => call.method === 'sendMessage' && call.chatId === chatId && call.response?.ok,
    );
    expect(sent.map((call) => String(call.params.text).split('\n')[0])).toEqual([
      '<b>How it works</b>',
      '📊 <b>Your stats</b>',
    ]);
  });
});
