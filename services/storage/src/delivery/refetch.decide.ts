import { hasFetchInFlight, type CacheEntry, type CachePolicy } from '../cache/cache-entry.ts';
import type { Intent, RequestRef } from '../cache/intent.ts';

/**
 * download.file-id-rejected (already folded: the file id is evicted) → the request waits for a
 * new fetch: it joins the one in flight or starts one. A request already waiting, or cancelled,
 * is left alone; so is an entry we cannot fetch again (no fetch was ever queued for it).
 */
export function decideRefetch(
  entry: CacheEntry,
  request: RequestRef,
  now: Date,
  policy: CachePolicy,
): Intent[] {
  const status = entry.requests.get(request.requestId)?.status;
  if (status === 'waiting' || status === 'cancelled' || entry.fetchSpec === null) return [];
  return [
    {
      kind: 'fetch-queued',
      request,
      startedFetch: !hasFetchInFlight(entry, now, policy),
      spec: entry.fetchSpec,
    },
  ];
}
