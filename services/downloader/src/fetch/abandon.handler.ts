import { FetchAbandoned } from '@mediabot/contracts';
import type { MessageHandler } from '@mediabot/messaging';
import { recordAbandonment } from './abandonments.ts';
import type { FetchJobs } from './fetch-jobs.ts';

/**
 * download.fetch-abandoned → stop that fetch: at once when this instance runs it, through the
 * recorded abandonment when another one does (see watchAbandonments) or when it has not started
 * yet. The fetch itself appends its `cancelled` ending.
 */
export function createAbandonHandler(deps: { jobs: FetchJobs }): MessageHandler {
  return async (message, { trx, logger }) => {
    if (!FetchAbandoned.is(message)) return;
    const { cacheKey } = message.data;
    const abandonedAt = new Date(message.occurredAt);
    await recordAbandonment(trx, { eventId: message.eventId, cacheKey, abandonedAt });
    const cancelled = deps.jobs.cancel(cacheKey, abandonedAt);
    logger.info({ cacheKey, cancelledHere: cancelled }, 'Fetch abandoned');
  };
}
