import { badRequest, forbidden, Reasons } from '../bot-api/errors.ts';
import type { Message } from '../bot-api/types.ts';
import type { ChatRecord } from '../chats/chat-store.ts';
import type { FakeBot } from '../server/fake-bot.ts';
import type { Params } from './params.ts';

/** The chat a call addresses by chat_id, refused the way Telegram refuses it. */
export function chatToWrite(bot: FakeBot, params: Params): ChatRecord {
  const record = chatToRead(bot, params);
  if (record.user.hasBlockedBot) throw forbidden(Reasons.botBlocked);
  return record;
}

export function chatToRead(bot: FakeBot, params: Params): ChatRecord {
  const raw = params.string('chat_id')?.trim() ?? '';
  if (raw === '') throw badRequest(Reasons.chatIdEmpty);
  if (!/^-?\d+$/.test(raw)) throw badRequest(Reasons.chatNotFound);
  const chatId = Number(raw);
  const record = bot.chats.chat(chatId);
  if (record) return record;
  if (bot.chats.user(chatId)) throw forbidden(Reasons.cantInitiate);
  throw badRequest(Reasons.chatNotFound);
}

export function messageIdOf(params: Params): number {
  const messageId = params.integer('message_id') ?? 0;
  if (messageId <= 0) throw badRequest(Reasons.messageIdMissing);
  return messageId;
}

/**
 * The message a new one replies to: reply_parameters, or the older reply_to_message_id. A missing
 * target fails unless allow_sending_without_reply says to send anyway.
 */
export function replyTarget(bot: FakeBot, record: ChatRecord, params: Params): Message | undefined {
  let messageId = params.integer('reply_to_message_id');
  let allowWithout = params.boolean('allow_sending_without_reply');
  const parameters = params.json('reply_parameters');
  if (
    parameters &&
    'value' in parameters &&
    typeof parameters.value === 'object' &&
    parameters.value
  ) {
    const value = parameters.value as {
      message_id?: unknown;
      allow_sending_without_reply?: unknown;
    };
    messageId = typeof value.message_id === 'number' ? value.message_id : Number(value.message_id);
    allowWithout = value.allow_sending_without_reply === true;
  } else if (parameters && 'error' in parameters) {
    throw badRequest("can't parse reply parameters JSON object");
  }
  if (messageId === undefined || messageId === 0 || Number.isNaN(messageId)) return undefined;
  const target = bot.chats.message(record.chat.id, messageId);
  if (target) {
    const { reply_to_message: _nested, ...withoutNested } = target.message;
    return withoutNested;
  }
  if (allowWithout) return undefined;
  throw badRequest(Reasons.replyNotFound);
}

/** Fields every message from the bot starts with. */
export function fromBot(
  bot: FakeBot,
  record: ChatRecord,
  messageId: number,
  date: number,
): Message {
  return { message_id: messageId, from: bot.sender, chat: record.chat, date };
}
