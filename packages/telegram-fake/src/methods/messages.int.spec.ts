import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Message, Update } from '../bot-api/types.ts';
import {
  createTelegramDriver,
  type SimulatedUserHandle,
  type TelegramDriver,
} from '../driver/telegram-driver.ts';
import { createTelegramFake, type TelegramFake } from '../server/telegram-fake.ts';
import { callBotApi, resultOf } from '../testing/bot-api-client.ts';

let fake: TelegramFake;
let driver: TelegramDriver;
let user: SimulatedUserHandle;

beforeEach(async () => {
  fake = await createTelegramFake();
  driver = createTelegramDriver(fake);
  user = driver.user({ id: 3001, first_name: 'Lea', username: 'lea_k', language_code: 'de' });
  user.sendText('/start');
});
afterEach(() => fake.close());

const keyboard = (data: string) => ({
  inline_keyboard: [[{ text: 'Audio', callback_data: data }]],
});
const send = (args: Record<string, unknown>) =>
  callBotApi(fake, 'sendMessage', { chat_id: user.chatId, ...args });
const description = async (answer: ReturnType<typeof send>): Promise<string | undefined> => {
  const { body } = await answer;
  return body.ok ? undefined : body.description;
};

describe('sendMessage', () => {
  it('accepts 4096 characters and refuses 4097', async () => {
    expect((await send({ text: 'я'.repeat(4096) })).body.ok).toBe(true);
    const tooLong = await send({ text: 'я'.repeat(4097) });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body).toEqual({
      ok: false,
      error_code: 400,
      description: 'Bad Request: message is too long',
    });
  });

  it('refuses empty text and bad markup', async () => {
    expect(await description(send({ text: '   ' }))).toBe('Bad Request: message text is empty');
    expect(await description(send({ text: 'Saved 100%.', parse_mode: 'MarkdownV2' }))).toBe(
      "Bad Request: can't parse entities: Character '.' is reserved and must be escaped with the preceding '\\'",
    );
    expect(
      await description(send({ text: 'x', parse_mode: 'html', reply_markup: '{not json' })),
    ).toBe("Bad Request: can't parse reply keyboard markup JSON object");
  });

  it('checks inline keyboards: callback_data of 1-64 bytes, no bare text buttons', async () => {
    expect((await send({ text: 'ok', reply_markup: keyboard('é'.repeat(32)) })).body.ok).toBe(true);
    expect(
      await description(send({ text: 'x', reply_markup: keyboard('é'.repeat(32) + 'x') })),
    ).toBe('Bad Request: BUTTON_DATA_INVALID');
    expect(await description(send({ text: 'x', reply_markup: keyboard('') }))).toBe(
      'Bad Request: BUTTON_DATA_INVALID',
    );
    expect(
      await description(
        send({ text: 'x', reply_markup: { inline_keyboard: [[{ text: 'bare' }]] } }),
      ),
    ).toBe(
      "Bad Request: can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard",
    );
  });

  it('knows which chats exist: unknown, never started, blocked', async () => {
    expect(await description(callBotApi(fake, 'sendMessage', { chat_id: 999, text: 'x' }))).toBe(
      'Bad Request: chat not found',
    );
    const stranger = driver.user({ id: 4004, first_name: 'Zed' });
    expect(
      await description(callBotApi(fake, 'sendMessage', { chat_id: stranger.chatId, text: 'x' })),
    ).toBe("Forbidden: bot can't initiate conversation with a user");
    const blocked = user.blockBot();
    expect(blocked?.my_chat_member?.new_chat_member.status).toBe('kicked');
    const refused = await send({ text: 'x' });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ description: 'Forbidden: bot was blocked by the user' });
  });

  it('replies to a message, or refuses a missing one unless told to send anyway', async () => {
    const replied = await resultOf<Message>(fake, 'sendMessage', {
      chat_id: user.chatId,
      text: 'to your /start',
      reply_parameters: { message_id: 1 },
    });
    expect(replied.reply_to_message).toMatchObject({ message_id: 1, text: '/start' });
    expect(await description(send({ text: 'x', reply_to_message_id: 77 }))).toBe(
      'Bad Request: message to be replied not found',
    );
    expect(
      (
        await send({
          text: 'x',
          reply_parameters: { message_id: 77, allow_sending_without_reply: true },
        })
      ).body.ok,
    ).toBe(true);
  });
});

describe('editing and deleting', () => {
  it('edits text, keeps history, and refuses an edit that changes nothing', async () => {
    const sent = await resultOf<Message>(fake, 'sendMessage', {
      chat_id: user.chatId,
      text: 'Downloading… 10%',
      reply_markup: keyboard('cancel'),
    });
    const edit = {
      chat_id: user.chatId,
      message_id: sent.message_id,
      reply_markup: keyboard('cancel'),
    };
    const edited = await resultOf<Message>(fake, 'editMessageText', {
      ...edit,
      text: 'Downloading… 50%',
    });
    expect(edited).toMatchObject({ text: 'Downloading… 50%', reply_markup: keyboard('cancel') });
    expect(edited.edit_date).toBeGreaterThan(0);

    const same = await callBotApi(fake, 'editMessageText', { ...edit, text: 'Downloading… 50%' });
    expect(same.body).toEqual({
      ok: false,
      error_code: 400,
      description:
        'Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message',
    });

    await resultOf(fake, 'editMessageText', {
      chat_id: user.chatId,
      message_id: sent.message_id,
      text: 'Done',
    });
    const entry = fake
      .transcript(user.chatId)
      .find((candidate) => candidate.messageId === sent.message_id);
    expect(entry?.message.text).toBe('Done');
    expect(entry?.message.reply_markup).toBeUndefined();
    expect(entry?.history.map((version) => version.text)).toEqual([
      'Downloading… 10%',
      'Downloading… 50%',
    ]);
  });

  it('edits only the reply markup', async () => {
    const sent = await resultOf<Message>(fake, 'sendMessage', {
      chat_id: user.chatId,
      text: 'Pick',
    });
    const args = {
      chat_id: user.chatId,
      message_id: sent.message_id,
      reply_markup: keyboard('mp3'),
    };
    expect((await resultOf<Message>(fake, 'editMessageReplyMarkup', args)).reply_markup).toEqual(
      keyboard('mp3'),
    );
    expect(await description(callBotApi(fake, 'editMessageReplyMarkup', args))).toMatch(
      /message is not modified/,
    );
  });

  it("refuses to edit the user's message or a missing one", async () => {
    expect(
      await description(
        callBotApi(fake, 'editMessageText', { chat_id: user.chatId, message_id: 1, text: 'x' }),
      ),
    ).toBe("Bad Request: message can't be edited");
    expect(
      await description(
        callBotApi(fake, 'editMessageText', { chat_id: user.chatId, message_id: 50, text: 'x' }),
      ),
    ).toBe('Bad Request: message to edit not found');
  });

  it('deletes a message once; a second delete is refused', async () => {
    const sent = await resultOf<Message>(fake, 'sendMessage', {
      chat_id: user.chatId,
      text: 'bye',
    });
    const args = { chat_id: user.chatId, message_id: sent.message_id };
    expect(await resultOf(fake, 'deleteMessage', args)).toBe(true);
    expect(await description(callBotApi(fake, 'deleteMessage', args))).toBe(
      'Bad Request: message to delete not found',
    );
    expect(
      fake.transcript(user.chatId).find((entry) => entry.messageId === sent.message_id)?.deleted,
    ).toBe(true);
  });
});

describe('callback queries and chat actions', () => {
  it('delivers a click on a button of a bot message and takes one answer', async () => {
    const sent = await resultOf<Message>(fake, 'sendMessage', {
      chat_id: user.chatId,
      text: 'Format?',
      reply_markup: keyboard('fmt:mp3'),
    });
    const click = user.clickButton(sent.message_id, 'Audio');
    const updates = await resultOf<Update[]>(fake, 'getUpdates', { offset: -1 });
    expect(updates[0]?.callback_query).toMatchObject({
      id: click.callbackQueryId,
      from: { id: user.chatId },
      data: 'fmt:mp3',
      message: { message_id: sent.message_id, text: 'Format?' },
    });
    expect(typeof updates[0]?.callback_query?.chat_instance).toBe('string');

    const answer = { callback_query_id: click.callbackQueryId, text: 'Converting…' };
    expect(await resultOf(fake, 'answerCallbackQuery', answer)).toBe(true);
    expect(await driver.waitForCallbackAnswer(click.callbackQueryId)).toMatchObject({
      text: 'Converting…',
      showAlert: false,
    });
    expect(await description(callBotApi(fake, 'answerCallbackQuery', answer))).toBe(
      'Bad Request: query is too old and response timeout expired or query ID is invalid',
    );
  });

  it('records chat actions and refuses unknown ones', async () => {
    expect(
      await resultOf(fake, 'sendChatAction', { chat_id: user.chatId, action: 'upload_video' }),
    ).toBe(true);
    expect(fake.chats()[0]?.lastChatAction?.action).toBe('upload_video');
    expect(
      await description(
        callBotApi(fake, 'sendChatAction', { chat_id: user.chatId, action: 'dancing' }),
      ),
    ).toBe('Bad Request: wrong parameter action in request');
  });
});

describe('the driver', () => {
  it('sends forwarded messages with their origin', () => {
    const channel = { id: -100123, type: 'channel' as const, title: 'Clips', username: 'clips' };
    const { update } = user.forwardMessage('https://youtu.be/dQw4w9WgXcQ', {
      channel,
      messageId: 55,
    });
    expect(update?.message).toMatchObject({
      forward_origin: { type: 'channel', chat: channel, message_id: 55 },
      entities: [{ type: 'url', offset: 0, length: 28 }],
    });
  });

  it('waits for what the bot does after the last user action', async () => {
    await resultOf(fake, 'sendMessage', { chat_id: user.chatId, text: 'before' });
    user.sendText('again');
    const waited = driver.waitForMessage(user.chatId, (message) => message.text !== undefined);
    await resultOf(fake, 'sendMessage', { chat_id: user.chatId, text: 'after' });
    expect((await waited).message.text).toBe('after');
    await expect(driver.waitForBotCall((call) => call.method === 'sendPhoto', 20)).rejects.toThrow(
      /Timed out/,
    );
  });
});
