import { badRequest, Reasons } from '../bot-api/errors.ts';
import type { Message } from '../bot-api/types.ts';
import type { TranscriptMessage } from '../chats/chat-store.ts';
import type { FakeBot } from '../server/fake-bot.ts';
import { canonicalJson } from '../shared/canonical-json.ts';
import { chatToWrite, messageIdOf } from './chat-lookup.ts';
import { defineMethod } from './method.ts';
import type { Params } from './params.ts';
import { readReplyMarkup, visibleMarkup } from './reply-markup.ts';
import { captionFields, captionText, messageText, textFields } from './text-arguments.ts';

/** The bot's own message a call edits; inline messages are not simulated. */
function messageToEdit(bot: FakeBot, params: Params): TranscriptMessage {
  if (params.has('inline_message_id') && !params.has('chat_id')) {
    throw badRequest('MESSAGE_ID_INVALID');
  }
  const record = chatToWrite(bot, params);
  const entry = bot.chats.message(record.chat.id, messageIdOf(params));
  if (!entry) throw badRequest(Reasons.messageToEditNotFound);
  if (entry.sender !== 'bot') throw badRequest(Reasons.messageCantBeEdited);
  return entry;
}

/** Telegram refuses an edit that changes nothing, with words bots commonly match on. */
function applyEdit(bot: FakeBot, entry: TranscriptMessage, next: Message): Message {
  const comparable = (message: Message): string =>
    canonicalJson({
      text: message.text,
      entities: message.entities,
      caption: message.caption,
      caption_entities: message.caption_entities,
      reply_markup: message.reply_markup,
    });
  if (comparable(next) === comparable(entry.message)) throw badRequest(Reasons.notModified);
  bot.chats.replaceMessage(entry, next);
  return entry.message;
}

function withoutKeys(message: Message, keys: (keyof Message)[]): Message {
  const copy = { ...message };
  for (const key of keys) delete copy[key];
  return copy;
}

export const editMessageText = defineMethod({
  name: 'editMessageText',
  run: ({ bot, params }) => {
    const entry = messageToEdit(bot, params);
    if (entry.message.text === undefined) throw badRequest(Reasons.noTextToEdit);
    const text = messageText(params, bot.limits.textLength);
    // Without reply_markup the edited message loses its inline keyboard, as on Telegram.
    const markup = visibleMarkup(readReplyMarkup(params.raw('reply_markup')));
    const next: Message = {
      ...withoutKeys(entry.message, ['text', 'entities', 'reply_markup']),
      ...textFields(text),
      edit_date: Math.floor(bot.clock.now() / 1000),
      ...(markup ? { reply_markup: markup } : {}),
    };
    return { result: applyEdit(bot, entry, next) };
  },
});

export const editMessageCaption = defineMethod({
  name: 'editMessageCaption',
  run: ({ bot, params }) => {
    const entry = messageToEdit(bot, params);
    if (!entry.media) throw badRequest(Reasons.noCaptionToEdit);
    const caption = captionText(params, bot.limits.captionLength);
    const markup = visibleMarkup(readReplyMarkup(params.raw('reply_markup')));
    const next: Message = {
      ...withoutKeys(entry.message, ['caption', 'caption_entities', 'reply_markup']),
      ...captionFields(caption),
      edit_date: Math.floor(bot.clock.now() / 1000),
      ...(markup ? { reply_markup: markup } : {}),
    };
    return { result: applyEdit(bot, entry, next) };
  },
});

export const editMessageReplyMarkup = defineMethod({
  name: 'editMessageReplyMarkup',
  run: ({ bot, params }) => {
    const entry = messageToEdit(bot, params);
    const markup = visibleMarkup(readReplyMarkup(params.raw('reply_markup')));
    const next: Message = {
      ...withoutKeys(entry.message, ['reply_markup']),
      edit_date: Math.floor(bot.clock.now() / 1000),
      ...(markup ? { reply_markup: markup } : {}),
    };
    return { result: applyEdit(bot, entry, next) };
  },
});
