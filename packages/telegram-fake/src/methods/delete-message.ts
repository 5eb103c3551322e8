import { badRequest, Reasons } from '../bot-api/errors.ts';
import { chatToRead, messageIdOf } from './chat-lookup.ts';
import { defineMethod } from './method.ts';

const DELETE_WINDOW_MS = 48 * 60 * 60 * 1000;

/** Bots delete their own messages, and the user's in private chats, within 48 hours. */
export const deleteMessage = defineMethod({
  name: 'deleteMessage',
  run: ({ bot, params }) => {
    const record = chatToRead(bot, params);
    const entry = bot.chats.message(record.chat.id, messageIdOf(params));
    if (!entry) throw badRequest(Reasons.messageToDeleteNotFound);
    if (bot.clock.now() - entry.message.date * 1000 > DELETE_WINDOW_MS) {
      throw badRequest(Reasons.messageCantBeDeleted);
    }
    bot.chats.deleteMessage(entry);
    return { result: true };
  },
});
