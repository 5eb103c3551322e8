import { waitingRequests, type CacheEntry } from '../cache/cache-entry.ts';
import type { Intent, RequestRef } from '../cache/intent.ts';

/**
 * Cancels the given requests that still wait on this entry; when nobody waits on its fetch any
 * more, the fetch is abandoned. Requests already served, delivered or cancelled are left alone.
 */
export function decideCancel(entry: CacheEntry, requests: readonly RequestRef[]): Intent[] {
  const waiting = new Set(waitingRequests(entry).map((request) => request.requestId));
  const cancelled = requests.filter((request) => waiting.has(request.requestId));
  if (cancelled.length === 0) return [];
  const intents: Intent[] = cancelled.map((request) => ({ kind: 'cancelled', request }));
  const stillWaiting = waiting.size - new Set(cancelled.map((r) => r.requestId)).size;
  if (entry.status === 'fetching' && stillWaiting === 0) intents.push({ kind: 'fetch-abandoned' });
  return intents;
}
