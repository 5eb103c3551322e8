import { badRequest, Reasons } from '../bot-api/errors.ts';
import { defineMethod } from './method.ts';

/** A callback query is answered once, soon after the click; later answers fail as too old. */
export const answerCallbackQuery = defineMethod({
  name: 'answerCallbackQuery',
  run: ({ bot, params }) => {
    const query = bot.chats.callbackQuery(params.string('callback_query_id') ?? '');
    const now = bot.clock.now();
    if (!query || query.answer || now - query.createdAt > bot.timing.callbackAnswerWindowMs) {
      throw badRequest(Reasons.queryTooOld);
    }
    const text = params.string('text');
    const url = params.string('url');
    const cacheTime = params.integer('cache_time');
    bot.chats.answerCallbackQuery(query, {
      showAlert: params.boolean('show_alert'),
      at: now,
      ...(text === undefined || text === '' ? {} : { text }),
      ...(url === undefined || url === '' ? {} : { url }),
      ...(cacheTime === undefined ? {} : { cacheTime }),
    });
    return { result: true };
  },
});
