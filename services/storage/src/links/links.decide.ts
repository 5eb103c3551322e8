import { waitingRequests, type CacheEntry, type CachePolicy } from '../cache/cache-entry.ts';
import type { Intent } from '../cache/intent.ts';

/**
 * Once the file is ready and over the upload limit (and Telegram has no copy of it), every
 * request still waiting gets a signed link. Runs after every fold, so whichever message brings
 * the media-ready in, nobody is left waiting.
 */
export function decideLinks(entry: CacheEntry, policy: CachePolicy): Intent[] {
  if (entry.status !== 'ready' || entry.media === null || entry.telegramFileId !== null) return [];
  if (entry.media.sizeBytes <= policy.uploadLimitBytes) return [];
  return waitingRequests(entry).map(({ requestId, chatId }) => ({
    kind: 'link',
    request: { requestId, chatId },
  }));
}
