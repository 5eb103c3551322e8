import {
  hasFetchInFlight,
  isFresh,
  type CacheEntry,
  type CachePolicy,
  type FetchSpec,
} from '../cache/cache-entry.ts';
import type { Intent, RequestRef } from '../cache/intent.ts';

/**
 * download.format-selected → serve from the cache, join the fetch in flight, or start one.
 * A request storage has already seen (in any state) is not looked up again.
 */
export function decideLookup(
  entry: CacheEntry,
  request: RequestRef,
  spec: FetchSpec,
  now: Date,
  policy: CachePolicy,
): Intent[] {
  if (entry.requests.has(request.requestId)) return [];
  if (entry.media && isFresh(entry, now, policy)) {
    if (entry.telegramFileId === null && entry.media.sizeBytes > policy.uploadLimitBytes) {
      return [{ kind: 'link', request }];
    }
    return [
      {
        kind: 'cache-hit',
        request,
        telegramFileId: entry.telegramFileId,
        objectKey: entry.media.objectKey,
        bucket: entry.media.bucket,
        mediaKind: entry.media.kind,
      },
    ];
  }
  const startedFetch = !hasFetchInFlight(entry, now, policy);
  return [{ kind: 'fetch-queued', request, startedFetch, spec }];
}
