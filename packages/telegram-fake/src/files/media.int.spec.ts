import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { File as TelegramFile, Message } from '../bot-api/types.ts';
import { createTelegramDriver, type SimulatedUserHandle } from '../driver/telegram-driver.ts';
import { createTelegramFake, type TelegramFake } from '../server/telegram-fake.ts';
import { callBotApi, resultOf } from '../testing/bot-api-client.ts';

let fake: TelegramFake;
let user: SimulatedUserHandle;

beforeEach(async () => {
  fake = await createTelegramFake();
  user = createTelegramDriver(fake).user({ id: 77, first_name: 'Ola' });
  user.sendText('/start');
});
afterEach(() => fake.close());

const named = (bytes: Uint8Array | string, name: string, type = ''): Blob & { name: string } =>
  Object.assign(new Blob([bytes], { type }), { name });

/** A PNG header (signature + IHDR) is all the fake reads to know a picture's size. */
function pngHeader(width: number, height: number): Uint8Array {
  const bytes = Buffer.alloc(33);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(bytes, 0);
  bytes.writeUInt32BE(13, 8);
  bytes.write('IHDR', 12, 'latin1');
  bytes.writeUInt32BE(width, 16);
  bytes.writeUInt32BE(height, 20);
  return bytes;
}

const videoBytes = Buffer.from('fake mp4 payload '.repeat(100));

async function uploadVideo(
  extra: Record<string, unknown> = {},
  fileName = 'clip.mp4',
): Promise<Message> {
  return resultOf<Message>(
    fake,
    'sendVideo',
    { chat_id: user.chatId, ...extra },
    { files: { video: named(videoBytes, fileName, 'video/mp4') } },
  );
}

describe('media uploads', () => {
  it('stores an uploaded video with what the bot said about it', async () => {
    const message = await resultOf<Message>(
      fake,
      'sendVideo',
      {
        chat_id: user.chatId,
        width: 1280,
        height: 720,
        duration: 42,
        supports_streaming: true,
        caption: '<b>Your video</b>',
        parse_mode: 'HTML',
        thumbnail: 'attach://cover',
      },
      {
        files: {
          video: named(videoBytes, 'clip.mp4'),
          cover: named(pngHeader(320, 180), 'cover.png'),
        },
      },
    );
    expect(message.video).toMatchObject({
      width: 1280,
      height: 720,
      duration: 42,
      file_name: 'clip.mp4',
      mime_type: 'video/mp4',
      file_size: videoBytes.length,
      thumbnail: { width: 320, height: 180 },
    });
    expect(message.video?.file_id).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    expect(message.caption).toBe('Your video');
    expect(message.caption_entities).toEqual([{ type: 'bold', offset: 0, length: 10 }]);

    const entry = fake.transcript(user.chatId).at(-1);
    expect(entry?.media).toMatchObject({
      kind: 'video',
      shownAs: 'video',
      sendOptions: { supports_streaming: 'true', width: '1280', height: '720', duration: '42' },
      file: { size: videoBytes.length },
    });
  });

  it('re-sends a file by its file_id, and refuses ids it never gave out', async () => {
    const first = await uploadVideo({ duration: 9 });
    const again = await resultOf<Message>(fake, 'sendVideo', {
      chat_id: user.chatId,
      video: first.video?.file_id,
    });
    expect(again.video).toEqual(first.video);

    const unknown = await callBotApi(fake, 'sendVideo', {
      chat_id: user.chatId,
      video: 'BAACAgIAAxkDAAIBunknown',
    });
    expect(unknown.body).toEqual({
      ok: false,
      error_code: 400,
      description: 'Bad Request: wrong file identifier/HTTP URL specified',
    });
    const photo = await resultOf<Message>(
      fake,
      'sendPhoto',
      { chat_id: user.chatId },
      { files: { photo: named(pngHeader(10, 10), 'p.png') } },
    );
    const mismatch = await callBotApi(fake, 'sendVideo', {
      chat_id: user.chatId,
      video: photo.photo?.[0]?.file_id,
    });
    expect(mismatch.body).toMatchObject({ description: 'Bad Request: type of file mismatch' });
    const missing = await callBotApi(fake, 'sendVideo', { chat_id: user.chatId });
    expect(missing.body).toMatchObject({
      description: 'Bad Request: there is no video in the request',
    });
  });

  it('shows a video that is not MPEG-4 as a document, as Telegram does', async () => {
    const message = await uploadVideo({}, 'clip.mkv');
    expect(message.video).toBeUndefined();
    expect(message.document).toMatchObject({
      file_name: 'clip.mkv',
      mime_type: 'video/x-matroska',
    });
  });

  it('sends audio with its title and performer, and documents', async () => {
    const audio = await resultOf<Message>(
      fake,
      'sendAudio',
      { chat_id: user.chatId, title: 'Song', performer: 'Band', duration: 180 },
      { files: { audio: named('mp3 bytes', 'song.mp3') } },
    );
    expect(audio.audio).toMatchObject({
      title: 'Song',
      performer: 'Band',
      duration: 180,
      mime_type: 'audio/mpeg',
    });
    const document = await resultOf<Message>(
      fake,
      'sendDocument',
      { chat_id: user.chatId },
      { files: { document: named('%PDF', 'report.pdf') } },
    );
    expect(document.document).toMatchObject({
      file_name: 'report.pdf',
      mime_type: 'application/pdf',
      file_size: 4,
    });
  });

  it('refuses an upload above 50 MB with 413, reading the stream to its end', async () => {
    const boundary = 'fakeboundary7MA4YWxkTrZu0gW';
    const limit = 50 * 1024 * 1024;
    const chunk = new Uint8Array(256 * 1024);
    const encoder = new TextEncoder();
    function* body(): Generator<Uint8Array> {
      yield encoder.encode(
        `--${boundary}\r\nContent-Disposition: form-data; name="chat_id"\r\n\r\n${user.chatId}\r\n` +
          `--${boundary}\r\nContent-Disposition: form-data; name="video"; filename="big.mp4"\r\n` +
          'Content-Type: video/mp4\r\n\r\n',
      );
      for (let sent = 0; sent <= limit; sent += chunk.length) yield chunk;
      yield encoder.encode(`\r\n--${boundary}--\r\n`);
    }
    const response = await fetch(fake.methodUrl('sendVideo'), {
      method: 'POST',
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
      body: ReadableStream.from(body()),
      duplex: 'half',
    });
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({
      ok: false,
      error_code: 413,
      description: 'Request Entity Too Large',
    });
    expect(await readdir(join(fake.bot.files.directory, 'incoming'))).toEqual([]);
    expect(fake.transcript(user.chatId).filter((entry) => entry.sender === 'bot')).toEqual([]);
  });
});

describe('the upload limit', () => {
  it('accepts a file of exactly the limit and refuses one byte more', async () => {
    const small = await createTelegramFake({ limits: { uploadBytes: 100 } });
    try {
      const sender = createTelegramDriver(small).user({ id: 1, first_name: 'A' });
      sender.sendText('hi');
      const upload = (size: number) =>
        callBotApi(
          small,
          'sendDocument',
          { chat_id: 1 },
          { files: { document: named(new Uint8Array(size), 'f.bin') } },
        );
      expect((await upload(100)).status).toBe(200);
      expect((await upload(101)).status).toBe(413);
    } finally {
      await small.close();
    }
  });
});

describe('getFile and downloads', () => {
  it('hands out a file_path the file downloads from', async () => {
    const sent = await uploadVideo();
    const file = await resultOf<TelegramFile>(fake, 'getFile', { file_id: sent.video?.file_id });
    expect(file).toEqual({
      file_id: sent.video?.file_id,
      file_unique_id: sent.video?.file_unique_id,
      file_size: videoBytes.length,
      file_path: expect.stringMatching(/^videos\/file_\d+\.mp4$/) as unknown,
    });
    const download = await fetch(fake.fileUrl(file.file_path ?? ''));
    expect(download.status).toBe(200);
    expect(Buffer.from(await download.arrayBuffer()).equals(videoBytes)).toBe(true);

    expect((await fetch(fake.fileUrl('videos/none.mp4'))).status).toBe(404);
    expect((await callBotApi(fake, 'getFile', { file_id: 'nope' })).body).toMatchObject({
      description: 'Bad Request: invalid file_id',
    });
  });

  it('lets the bot fetch a file the user sent', async () => {
    const { message } = await user.sendMedia('document', {
      content: Buffer.from('subtitles'),
      fileName: 'a.srt',
    });
    const file = await resultOf<TelegramFile>(fake, 'getFile', {
      file_id: message.document?.file_id,
    });
    expect(await (await fetch(fake.fileUrl(file.file_path ?? ''))).text()).toBe('subtitles');
  });

  it('refuses getFile above the download limit', async () => {
    const small = await createTelegramFake({ limits: { downloadBytes: 10 } });
    try {
      const sender = createTelegramDriver(small).user({ id: 1, first_name: 'A' });
      const { message } = await sender.sendMedia('video', {
        content: Buffer.alloc(11),
        fileName: 'v.mp4',
      });
      expect(
        (await callBotApi(small, 'getFile', { file_id: message.video?.file_id })).body,
      ).toMatchObject({
        error_code: 400,
        description: 'Bad Request: file is too big',
      });
    } finally {
      await small.close();
    }
  });
});
