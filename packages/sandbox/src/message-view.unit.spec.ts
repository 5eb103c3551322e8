import { describe, expect, it } from 'vitest';
import type { StoredFile, TranscriptMessage } from '@mediabot/telegram-fake';
import { contentTypeFor, fileUrl, toMessageView } from './message-view.ts';

const chat = { id: 7, type: 'private' as const, first_name: 'Ann' };

function entry(overrides: Partial<TranscriptMessage>): TranscriptMessage {
  return {
    chatId: 7,
    messageId: 3,
    sender: 'bot',
    message: { message_id: 3, date: 1_700_000_000, chat, text: 'hello' },
    history: [],
    deleted: false,
    createdSeq: 1,
    changedSeq: 1,
    ...overrides,
  };
}

const video: StoredFile = {
  fileId: 'BAACAgIAAxkDAAIabc',
  fileUniqueId: 'AgADabc',
  kind: 'video',
  size: 583_000,
  localPath: '/tmp/fake/files/videos/file_0.mp4',
  filePath: 'videos/file_0.mp4',
  fileName: 'small 720p.mp4',
  mimeType: 'video/mp4',
};

describe('toMessageView', () => {
  it('gives the text, its entities and the inline keyboard', () => {
    const view = toMessageView(
      entry({
        message: {
          message_id: 3,
          date: 1_700_000_000,
          chat,
          text: 'Choose a quality:',
          entities: [{ type: 'bold', offset: 0, length: 6 }],
          reply_markup: {
            inline_keyboard: [
              [
                { text: '720p · 12 MB', callback_data: 'q:1:720p' },
                { text: 'Site', url: 'https://example.org' },
              ],
            ],
          },
        },
      }),
    );
    expect(view).toEqual({
      id: 3,
      sender: 'bot',
      date: 1_700_000_000,
      edited: false,
      deleted: false,
      text: 'Choose a quality:',
      entities: [{ type: 'bold', offset: 0, length: 6 }],
      keyboard: [
        [
          { text: '720p · 12 MB', callbackData: 'q:1:720p' },
          { text: 'Site', url: 'https://example.org' },
        ],
      ],
    });
  });

  it('says a message was edited once it has history', () => {
    const first = { message_id: 3, date: 1_700_000_000, chat, text: 'Looking…' };
    expect(toMessageView(entry({ history: [first] })).edited).toBe(true);
  });

  it('points media at the sandbox file route, with the sizes the bot sent and the caption', () => {
    const view = toMessageView(
      entry({
        message: {
          message_id: 3,
          date: 1_700_000_000,
          chat,
          caption: 'small-720p',
          video: {
            file_id: video.fileId,
            file_unique_id: video.fileUniqueId,
            width: 1280,
            height: 720,
            duration: 5,
            file_name: 'small 720p.mp4',
          },
        },
        media: {
          kind: 'video',
          shownAs: 'video',
          file: video,
          thumbnail: { ...video, kind: 'thumbnail', filePath: 'thumbnails/file_1.jpg' },
          sendOptions: {},
        },
      }),
    );
    expect(view.text).toBe('small-720p');
    expect(view.media).toEqual({
      kind: 'video',
      url: '/files/videos/file_0.mp4',
      mimeType: 'video/mp4',
      size: 583_000,
      fileName: 'small 720p.mp4',
      width: 1280,
      height: 720,
      duration: 5,
      thumbnailUrl: '/files/thumbnails/file_1.jpg',
    });
    expect(JSON.stringify(view)).not.toContain('/tmp/fake');
  });
});

describe('contentTypeFor', () => {
  it('keeps a specific type and guesses a generic one from the extension', () => {
    expect(contentTypeFor('a.bin', 'video/webm')).toBe('video/webm');
    expect(contentTypeFor('song.MP3', 'application/octet-stream')).toBe('audio/mpeg');
    expect(contentTypeFor('videos/file_2.mp4')).toBe('video/mp4');
    expect(contentTypeFor('unknown.xyz')).toBe('application/octet-stream');
  });
});

describe('fileUrl', () => {
  it('escapes each path segment', () => {
    expect(fileUrl('documents/file 1#.mkv')).toBe('/files/documents/file%201%23.mkv');
  });
});
