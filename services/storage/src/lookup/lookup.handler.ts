import type { FormatSelected } from '@mediabot/contracts';
import type { AnyTransaction } from '@mediabot/eventstore';
import type { z } from 'zod';
import type { Envelope } from '@mediabot/contracts';
import {
  decideOnEntry,
  loadRequest,
  lockRequests,
  type CacheDependencies,
} from '../cache/cache-store.ts';
import { decideLookup } from './lookup.decide.ts';

type FormatSelectedMessage = Envelope<
  'download.format-selected',
  z.output<typeof FormatSelected.schema>
>;

/** download.format-selected → download.cache-hit, download.link-issued or download.fetch-queued. */
export async function handleFormatSelected(
  trx: AnyTransaction,
  deps: CacheDependencies,
  message: FormatSelectedMessage,
): Promise<Envelope[]> {
  const { requestId, chatId, cacheKey, url, title, uploader, option } = message.data;
  await lockRequests(trx, [requestId]);
  const known = await loadRequest(trx, requestId);
  // Cancelled before its format was chosen (or already answered for another format).
  if (known && known.cacheKey !== cacheKey) return [];
  const { appended } = await decideOnEntry(trx, deps, {
    cacheKey,
    cause: message,
    requestIds: [requestId],
    decide: (entry) =>
      decideLookup(
        entry,
        { requestId, chatId },
        { url, title, uploader, option },
        deps.now(),
        deps.policy,
      ),
  });
  return appended;
}
