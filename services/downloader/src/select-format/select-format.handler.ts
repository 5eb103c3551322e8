import { AppError, QualityChosen, requestStream } from '@mediabot/contracts';
import { createEventStore } from '@mediabot/eventstore';
import { appendDecided } from '@mediabot/media-jobs';
import type { MessageHandler } from '@mediabot/messaging';
import { findProbedRequest } from '../probe/probed-requests.ts';
import { decideFormatSelection } from './select-format.decide.ts';

export interface SelectFormatDependencies {
  /** Attempts of the consumer: a request still unknown on the last one is answered as failed. */
  maxAttempts: number;
  now: () => Date;
}

/** download.quality-chosen → download.format-selected (or download.failed). */
export function createSelectFormatHandler(deps: SelectFormatDependencies): MessageHandler {
  return async (message, { trx, delivery, logger }) => {
    if (!QualityChosen.is(message)) return;
    const { requestId, quality } = message.data;
    const probed = await findProbedRequest(trx, requestId);
    if (probed === undefined && delivery.attempt < deps.maxAttempts) {
      // The probe's projection row may trail its event by a moment: look again shortly.
      throw new AppError('probe_not_recorded', `No probe recorded for request ${requestId}`, {
        retryable: true,
      });
    }
    // In the consumer's transaction: the events commit with the inbox row.
    const store = createEventStore(trx);
    const { appended } = await appendDecided(store, requestStream(requestId), (stream) =>
      decideFormatSelection(stream, message, probed, deps.now()),
    );
    logger.info(
      { requestId, quality, appended: appended.map((event) => event.type) },
      'Quality choice answered',
    );
  };
}
