import {
  cacheStream,
  DownloadDelivered,
  FetchFailed,
  FileIdRejected,
  MediaReady,
  type Envelope,
} from '@mediabot/contracts';
import type { AnyTransaction } from '@mediabot/eventstore';
import { decideOnEntry, lockRequests, type CacheDependencies } from '../cache/cache-store.ts';
import { decideRefetch } from './refetch.decide.ts';

/**
 * Events that change a cache entry: download.media-ready (ready; oversize → links for the
 * waiting), download.fetch-failed (empty; the waiting are dropped), download.delivered (file id,
 * hits; no longer waiting), download.file-id-rejected (file id evicted; that request refetches).
 * An event written to the entry's own stream is folded from there (in stream order); one written
 * elsewhere (a request's stream) is applied directly.
 */
export async function handleEntryEvent(
  trx: AnyTransaction,
  deps: CacheDependencies,
  message: Envelope,
): Promise<Envelope[]> {
  const apply = (cacheKey: string) => (message.streamId === cacheStream(cacheKey) ? null : message);

  if (MediaReady.is(message) || FetchFailed.is(message)) {
    const { cacheKey } = message.data;
    return (await decideOnEntry(trx, deps, { cacheKey, cause: message, apply: apply(cacheKey) }))
      .appended;
  }
  if (DownloadDelivered.is(message)) {
    const { cacheKey, requestId } = message.data;
    await lockRequests(trx, [requestId]);
    return (
      await decideOnEntry(trx, deps, {
        cacheKey,
        cause: message,
        requestIds: [requestId],
        apply: apply(cacheKey),
      })
    ).appended;
  }
  if (FileIdRejected.is(message)) {
    const { cacheKey, requestId, chatId } = message.data;
    await lockRequests(trx, [requestId]);
    return (
      await decideOnEntry(trx, deps, {
        cacheKey,
        cause: message,
        requestIds: [requestId],
        apply: apply(cacheKey),
        decide: (entry) => decideRefetch(entry, { requestId, chatId }, deps.now(), deps.policy),
      })
    ).appended;
  }
  return [];
}
