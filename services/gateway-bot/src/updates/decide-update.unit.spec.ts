import { describe, expect, it } from 'vitest';
import { encodeCallback } from '@mediabot/contracts';
import { extractLinks, parseCommand } from '../links/extract-links.ts';
import { checkLink } from './handle-update.ts';
import { costsWork, decideUpdate, type DecideUpdateContext } from './decide-update.ts';
import type { TelegramUpdate } from './telegram-update.ts';

const from = { id: 42, first_name: 'Ana', username: 'ana', language_code: 'fr-FR' };
const context: DecideUpdateContext = {
  preferredQuality: null,
  maxLinksPerMessage: 2,
  checkLink: (raw) => checkLink(raw),
  rateLimit: { limited: false },
  receivedAt: new Date('2026-11-24T08:00:00Z'),
};

function message(
  text: string,
  extra: Partial<NonNullable<TelegramUpdate['message']>> = {},
): TelegramUpdate {
  return {
    update_id: 1000,
    message: {
      message_id: 7,
      date: 1_700_000_000,
      chat: { id: 42, type: 'private' },
      from,
      text,
      ...extra,
    },
  };
}

describe('decideUpdate', () => {
  it('turns a link into a download request with the user in their language', () => {
    const [event, ...rest] = decideUpdate(
      message('look https://video.example.com/watch?v=1'),
      context,
    ).events;
    expect(rest).toEqual([]);
    expect(event).toMatchObject({
      type: 'download.requested',
      streamId: 'update-1000',
      data: {
        url: 'https://video.example.com/watch?v=1',
        chatId: 42,
        user: { telegramUserId: 42, languageCode: 'fr' },
        preferredQuality: null,
      },
    });
  });

  it('gives the same events, ids included, for the same update (so a repeat appends nothing new)', () => {
    const update = message('https://a.example.com/1 https://b.example.com/2');
    expect(decideUpdate(update, context).events).toEqual(decideUpdate(update, context).events);
    const ids = decideUpdate(update, context).events.map((event) => event.eventId);
    expect(new Set(ids).size).toBe(2);
  });

  it('records commands, and rejects unknown ones with a hint', () => {
    expect(decideUpdate(message('/status@MediaBot 12'), context).events[0]).toMatchObject({
      type: 'conversation.command-received',
      data: { command: 'status', args: '12' },
    });
    expect(decideUpdate(message('/frobnicate'), context).events[0]).toMatchObject({
      type: 'conversation.input-rejected',
      data: { reason: 'unknown_command' },
    });
  });

  it.each([
    ['hello there', 'no_link'],
    ['ftp://files.example.com/a.mp4', 'scheme_not_allowed'],
    ['http://127.0.0.1/admin', 'blocked_address'],
    ['http://2130706433/', 'blocked_address'],
    ['http://[::ffff:10.0.0.1]/', 'blocked_address'],
    [`https://example.com/${'a'.repeat(2100)}`, 'url_too_long'],
  ])('answers a message with the right hint (%#)', (text, reason) => {
    expect(decideUpdate(message(text), context).events).toMatchObject([
      { type: 'conversation.input-rejected', data: { reason } },
    ]);
  });

  it('takes at most the configured number of links and says so', () => {
    const events = decideUpdate(
      message('https://a.example.com/1 https://b.example.com/2 https://c.example.com/3'),
      context,
    ).events;
    expect(events.map((event) => event.type)).toEqual([
      'download.requested',
      'download.requested',
      'conversation.input-rejected',
    ]);
  });

  it('tells a rate-limited user when they may try again', () => {
    const events = decideUpdate(message('https://a.example.com/1'), {
      ...context,
      rateLimit: { limited: true, retryAfterSeconds: 17 },
    }).events;
    expect(events).toMatchObject([{ data: { reason: 'rate_limited', retryAfterSeconds: 17 } }]);
  });

  it('passes the default quality along so the question can be skipped', () => {
    const [event] = decideUpdate(message('https://a.example.com/1'), {
      ...context,
      preferredQuality: '720p',
    }).events;
    expect(event?.data).toMatchObject({ preferredQuality: '720p' });
  });

  it('reads links from entities (text links, forwarded captions)', () => {
    const update = message('watch this', {
      entities: [{ type: 'text_link', offset: 0, length: 5, url: 'https://v.example.com/x' }],
    });
    expect(decideUpdate(update, context).events[0]?.data).toMatchObject({
      url: 'https://v.example.com/x',
    });
  });

  it('turns buttons into choices, answers every callback, and ignores buttons it did not draw', () => {
    const requestId = '01a20b45-c474-73ab-b62e-e8a25ea048d8';
    const callback = (data: string): TelegramUpdate => ({
      update_id: 2000,
      callback_query: {
        id: 'cb1',
        from,
        data,
        message: { message_id: 9, date: 1_700_000_100, chat: { id: 42 } },
      },
    });
    expect(
      decideUpdate(
        callback(encodeCallback({ kind: 'choose-quality', requestId, quality: '720p' })),
        context,
      ),
    ).toMatchObject({
      events: [
        {
          type: 'download.quality-chosen',
          data: { requestId, quality: '720p', callbackQueryId: 'cb1' },
        },
      ],
      answerCallbackQuery: { id: 'cb1' },
    });
    expect(
      decideUpdate(callback(encodeCallback({ kind: 'cancel', requestId })), context).events[0]
        ?.type,
    ).toBe('download.cancel-requested');
    expect(
      decideUpdate(callback(encodeCallback({ kind: 'set-language', languageCode: 'es' })), context)
        .events[0]?.data,
    ).toMatchObject({ languageCode: 'es' });
    expect(decideUpdate(callback('forged'), context)).toEqual({
      events: [],
      answerCallbackQuery: { id: 'cb1' },
    });
  });

  it('dates a button press when it arrives, with ids that do not depend on that date', () => {
    const press: TelegramUpdate = {
      update_id: 2001,
      callback_query: {
        id: 'cb2',
        from,
        data: encodeCallback({
          kind: 'choose-quality',
          requestId: '01a20b45-c474-73ab-b62e-e8a25ea048d8',
          quality: '360p',
        }),
        // The keyboard was sent an hour before the press.
        message: { message_id: 9, date: 1_700_000_100, chat: { id: 42 } },
      },
    };
    const first = decideUpdate(press, context).events[0];
    const repeat = decideUpdate(press, {
      ...context,
      receivedAt: new Date('2026-11-24T08:00:05Z'),
    }).events[0];
    expect(first?.occurredAt).toBe('2026-11-24T08:00:00.000Z');
    expect(repeat?.occurredAt).toBe('2026-11-24T08:00:05.000Z');
    expect(repeat?.eventId).toBe(first?.eventId);
  });

  it('ignores bots and updates it does not handle', () => {
    expect(
      decideUpdate(message('https://a.example.com', { from: { ...from, is_bot: true } }), context)
        .events,
    ).toEqual([]);
    expect(decideUpdate({ update_id: 5 }, context).events).toEqual([]);
  });

  it('counts only link messages against the rate limit', () => {
    expect(costsWork(message('https://a.example.com/1'))).toBe(true);
    expect(costsWork(message('/help'))).toBe(false);
  });
});

describe('extractLinks and parseCommand', () => {
  it('finds links, strips trailing punctuation, adds a scheme to bare url entities, drops duplicates', () => {
    expect(extractLinks('see https://a.example.com/x). and https://a.example.com/x', [])).toEqual([
      'https://a.example.com/x',
    ]);
    expect(extractLinks('go example.com/v', [{ type: 'url', offset: 3, length: 13 }])).toEqual([
      'https://example.com/v',
    ]);
  });

  it('parses commands with bot mentions and arguments', () => {
    expect(parseCommand('/start')).toEqual({ name: 'start', args: '' });
    expect(parseCommand('/Status@Bot  abc ')).toEqual({ name: 'status', args: 'abc' });
    expect(parseCommand('not /a command')).toBeUndefined();
  });
});
