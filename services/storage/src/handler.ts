import {
  CancelRequested,
  CommandReceived,
  DownloadDelivered,
  FetchFailed,
  FileIdRejected,
  FormatSelected,
  MediaReady,
  type Envelope,
} from '@mediabot/contracts';
import type { AnyTransaction } from '@mediabot/eventstore';
import type { MessageHandler } from '@mediabot/messaging';
import type { CacheDependencies } from './cache/cache-store.ts';
import { handleCancelCommand, handleCancelRequested } from './cancel/cancel.handler.ts';
import { handleEntryEvent } from './delivery/entry-events.handler.ts';
import { handleFormatSelected } from './lookup/lookup.handler.ts';

/** Every event type storage's queue is bound to. */
export const storageBindings = [
  FormatSelected.type,
  MediaReady.type,
  DownloadDelivered.type,
  FileIdRejected.type,
  FetchFailed.type,
  CancelRequested.type,
  CommandReceived.type,
] as const;

/** Decides on one message inside `trx`; returns what was appended. */
export async function handleStorageMessage(
  trx: AnyTransaction,
  deps: CacheDependencies,
  message: Envelope,
): Promise<Envelope[]> {
  if (FormatSelected.is(message)) return handleFormatSelected(trx, deps, message);
  if (CancelRequested.is(message)) return handleCancelRequested(trx, deps, message);
  if (CommandReceived.is(message)) return handleCancelCommand(trx, deps, message);
  return handleEntryEvent(trx, deps, message);
}

/** One message in its transaction (with the inbox row) → decisions appended, projection saved. */
export function createStorageHandler(deps: CacheDependencies): MessageHandler {
  return async (message, { trx, logger }) => {
    const appended = await handleStorageMessage(trx, deps, message);
    if (appended.length > 0) {
      logger.info(
        {
          type: message.type,
          appended: appended.map((event) => {
            const data = event.data as { requestId?: string; startedFetch?: boolean };
            return { type: event.type, requestId: data.requestId, startedFetch: data.startedFetch };
          }),
        },
        'cache decision',
      );
    }
  };
}
