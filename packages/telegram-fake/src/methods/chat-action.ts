import { badRequest, Reasons } from '../bot-api/errors.ts';
import { chatToWrite } from './chat-lookup.ts';
import { defineMethod } from './method.ts';

const CHAT_ACTIONS = new Set([
  'typing',
  'upload_photo',
  'record_video',
  'upload_video',
  'record_voice',
  'upload_voice',
  'upload_document',
  'choose_sticker',
  'find_location',
  'record_video_note',
  'upload_video_note',
]);

export const sendChatAction = defineMethod({
  name: 'sendChatAction',
  run: ({ bot, params }) => {
    const record = chatToWrite(bot, params);
    const action = params.string('action') ?? '';
    if (!CHAT_ACTIONS.has(action)) throw badRequest(Reasons.wrongChatAction);
    bot.chats.recordChatAction(record, action);
    return { result: true };
  },
});
