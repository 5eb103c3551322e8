import { chatToWrite, fromBot, replyTarget } from './chat-lookup.ts';
import { defineMethod } from './method.ts';
import { readReplyMarkup, visibleMarkup } from './reply-markup.ts';
import { messageText, textFields } from './text-arguments.ts';

export const sendMessage = defineMethod({
  name: 'sendMessage',
  sendsMessage: true,
  run: ({ bot, params }) => {
    const record = chatToWrite(bot, params);
    const text = messageText(params, bot.limits.textLength);
    const markup = visibleMarkup(readReplyMarkup(params.raw('reply_markup')));
    const replyTo = replyTarget(bot, record, params);
    const linkPreview = params.json('link_preview_options');
    const entry = bot.chats.addMessage(record, 'bot', (messageId, date) => ({
      ...fromBot(bot, record, messageId, date),
      ...(replyTo ? { reply_to_message: replyTo } : {}),
      ...textFields(text),
      ...(linkPreview && 'value' in linkPreview && typeof linkPreview.value === 'object'
        ? { link_preview_options: linkPreview.value as Record<string, unknown> }
        : {}),
      ...(markup ? { reply_markup: markup } : {}),
    }));
    return { result: entry.message };
  },
});
