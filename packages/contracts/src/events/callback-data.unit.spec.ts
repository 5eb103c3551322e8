import { describe, expect, it } from 'vitest';
import { decodeCallback, encodeCallback, type CallbackAction } from './callback-data.ts';

const requestId = '01a20b45-c474-73ab-b62e-e8a25ea048d8';

describe('callback data', () => {
  it.each<CallbackAction>([
    { kind: 'choose-quality', requestId, quality: 'audio-mp3' },
    { kind: 'choose-quality', requestId, quality: '1080p' },
    { kind: 'cancel', requestId },
    { kind: 'set-language', languageCode: 'ru' },
    { kind: 'set-default-quality', quality: 'ask' },
  ])("round-trips %o within Telegram's 64 bytes", (action) => {
    const data = encodeCallback(action);
    expect(Buffer.byteLength(data)).toBeLessThanOrEqual(64);
    expect(decodeCallback(data)).toEqual(action);
  });

  it.each([
    '',
    'q:not-a-uuid:720p',
    `q:${requestId}:4k`,
    `x:${requestId}:extra`,
    's:l:de',
    's:q:8k',
    'z:1',
    `q:${requestId}:720p:x`,
  ])('rejects %j', (data) => expect(decodeCallback(data)).toBeUndefined());
});
