import { CONFLICT_WEBHOOK_ACTIVE, MAX_LONG_POLL_SECONDS } from '../updates/long-poll.ts';
import { readAllowedUpdates } from '../updates/update-queue.ts';
import { defineMethod } from './method.ts';

export const getUpdates = defineMethod({
  name: 'getUpdates',
  run: async ({ bot, params, signal }) => {
    if (bot.webhook.settings) return bot.poller.conflict(CONFLICT_WEBHOOK_ACTIVE);
    const allowed = readAllowedUpdates(params.raw('allowed_updates'));
    if (allowed) bot.queue.setAllowedUpdates(allowed);
    const updates = await bot.poller.getUpdates({
      offset: params.integer('offset') ?? 0,
      limit: params.integerIn('limit', 100, 1, 100),
      timeoutSeconds: params.integerIn('timeout', 0, 0, MAX_LONG_POLL_SECONDS),
      signal,
    });
    return { result: updates };
  },
});
