import {
  CacheHit,
  DownloadCancelled,
  DownloadDelivered,
  DownloadLinkIssued,
  FetchAbandoned,
  FetchFailed,
  FetchQueued,
  FileIdRejected,
  MediaFetched,
  MediaReady,
  type Envelope,
  type MediaBucket,
  type MediaKind,
  type QualityOption,
} from '@mediabot/contracts';

/**
 * One cache entry (one media + format) as storage sees it: folded from the entry's own stream
 * (`cacheStream(cacheKey)`: storage's decisions, the downloader's fetch endings, …) plus the
 * deliveries and rejections the notifier reports. Pure: no clock, no I/O.
 */

export type EntryStatus = 'empty' | 'fetching' | 'ready';

/**
 * waiting: on a fetch · served: cache hit sent, notifier delivers · linked: got a signed link ·
 * delivered · cancelled · dropped: its fetch failed.
 */
export type RequestStatus = 'waiting' | 'served' | 'linked' | 'delivered' | 'cancelled' | 'dropped';

export interface CacheRequest {
  requestId: string;
  chatId: number;
  /** null for a request cancelled before it reached storage. */
  cacheKey: string | null;
  status: RequestStatus;
  startedFetch: boolean;
}

/** What the downloader needs to fetch this entry again (from the requests that queued fetches). */
export interface FetchSpec {
  url: string;
  title: string;
  uploader: string | null;
  option: QualityOption;
}

export interface StoredMedia {
  /**
   * Where objectKey lies: `media`, or `raw` for a download delivered as it was fetched (that raw
   * object then lives as long as this media, not RAW_OBJECT_TTL).
   */
  bucket: MediaBucket;
  objectKey: string;
  /** Always in the media bucket. */
  thumbnailObjectKey: string | null;
  kind: MediaKind;
  mimeType: string;
  fileName: string;
  sizeBytes: number;
  /** When the transcoder said it was ready: the start of the entry's lifetime. */
  readyAt: string;
}

export interface CacheEntry {
  cacheKey: string;
  /** Version of the entry's stream folded in so far (0: nothing). */
  version: bigint;
  status: EntryStatus;
  /** Event id of the fetch-queued that started the running fetch (the downloader's fetch id). */
  fetchId: string | null;
  /** When that fetch was queued. */
  fetchStartedAt: string | null;
  fetchSpec: FetchSpec | null;
  media: StoredMedia | null;
  telegramFileId: string | null;
  /** File ids Telegram refused: a late delivery naming one of them does not bring it back. */
  rejectedFileIds: string[];
  /** Deliveries, one per request. */
  hits: number;
  /** The stored object must outlive every link handed out for it. */
  linksValidUntil: string | null;
  lastAbandonedAt: string | null;
  /** Fetches given up (and what they fetched): their endings must not touch a newer fetch. */
  staleFetchIds: string[];
  /** The requests this fold has looked at (not necessarily all of the entry's). */
  requests: Map<string, CacheRequest>;
  /** Objects replaced by newer media during this fold: to be deleted once no link needs them. */
  retiredMedia: StoredMedia[];
}

const keepLast = <T>(items: readonly T[], item: T, max = 20): T[] =>
  [...items.filter((existing) => existing !== item), item].slice(-max);

export function emptyEntry(cacheKey: string): CacheEntry {
  return {
    cacheKey,
    version: 0n,
    status: 'empty',
    fetchId: null,
    fetchStartedAt: null,
    fetchSpec: null,
    media: null,
    telegramFileId: null,
    rejectedFileIds: [],
    hits: 0,
    linksValidUntil: null,
    lastAbandonedAt: null,
    staleFetchIds: [],
    requests: new Map(),
    retiredMedia: [],
  };
}

export function waitingRequests(entry: CacheEntry): CacheRequest[] {
  return [...entry.requests.values()].filter(
    (request) => request.status === 'waiting' && request.cacheKey === entry.cacheKey,
  );
}

function withRequest(
  entry: CacheEntry,
  ref: { requestId: string; chatId: number },
  change: (current: CacheRequest | undefined) => Partial<CacheRequest> | null,
): Map<string, CacheRequest> {
  const current = entry.requests.get(ref.requestId);
  const patch = change(current);
  if (patch === null) return entry.requests;
  const requests = new Map(entry.requests);
  requests.set(ref.requestId, {
    requestId: ref.requestId,
    chatId: current?.chatId ?? ref.chatId,
    cacheKey: current?.cacheKey ?? entry.cacheKey,
    status: current?.status ?? 'waiting',
    startedFetch: current?.startedFetch ?? false,
    ...patch,
  });
  return requests;
}

const isSameObject = (a: StoredMedia, b: StoredMedia): boolean =>
  a.bucket === b.bucket && a.objectKey === b.objectKey;

/**
 * Stored media as a row holds it. Rows written before media knew their bucket (migration 0002
 * fills them in; an older replica may still write some during an upgrade) lie in `media`.
 */
export type StoredMediaRow = Omit<StoredMedia, 'bucket'> & { bucket?: MediaBucket };

export function storedMediaOf(row: StoredMediaRow | null): StoredMedia | null {
  return row === null ? null : { ...row, bucket: row.bucket ?? 'media' };
}

const later = (a: string | null, b: string): string =>
  a === null || Date.parse(b) > Date.parse(a) ? b : a;

/** Applies one event (current schema version) to the entry; unknown types change nothing. */
export function evolve(entry: CacheEntry, event: Envelope): CacheEntry {
  if (FetchQueued.is(event)) {
    const { requestId, chatId, startedFetch, url, title, uploader, option } = event.data;
    const requests = withRequest(entry, { requestId, chatId }, () => ({
      status: 'waiting',
      startedFetch,
      cacheKey: entry.cacheKey,
    }));
    const fetchSpec = { url, title, uploader, option };
    if (!startedFetch) return { ...entry, requests, fetchSpec: entry.fetchSpec ?? fetchSpec };
    // A fetch started while another is in flight replaces it (that one was given up as stuck).
    const replaced = entry.status === 'fetching' && entry.fetchId !== null;
    return {
      ...entry,
      requests,
      fetchSpec,
      status: 'fetching',
      fetchId: event.eventId,
      fetchStartedAt: event.occurredAt,
      staleFetchIds:
        replaced && entry.fetchId
          ? keepLast(entry.staleFetchIds, entry.fetchId)
          : entry.staleFetchIds,
    };
  }

  if (CacheHit.is(event)) {
    const requests = withRequest(entry, event.data, () => ({ status: 'served' }));
    return { ...entry, requests };
  }

  if (MediaFetched.is(event)) {
    if (event.causationId === null || !entry.staleFetchIds.includes(event.causationId)) {
      return entry;
    }
    return { ...entry, staleFetchIds: keepLast(entry.staleFetchIds, event.eventId) };
  }

  if (MediaReady.is(event)) {
    const data = event.data;
    const media: StoredMedia = {
      bucket: data.bucket,
      objectKey: data.objectKey,
      thumbnailObjectKey: data.thumbnailObjectKey,
      kind: data.kind,
      mimeType: data.mimeType,
      fileName: data.fileName,
      sizeBytes: data.sizeBytes,
      readyAt: event.occurredAt,
    };
    const replaced = entry.media !== null && !isSameObject(entry.media, media);
    // A late ending of an abandoned fetch is still a good file; a running fetch goes on.
    const stillFetching =
      entry.status === 'fetching' &&
      event.causationId !== null &&
      entry.staleFetchIds.includes(event.causationId);
    return {
      ...entry,
      media,
      status: stillFetching ? 'fetching' : 'ready',
      fetchId: stillFetching ? entry.fetchId : null,
      fetchStartedAt: stillFetching ? entry.fetchStartedAt : null,
      telegramFileId: replaced ? null : entry.telegramFileId,
      retiredMedia:
        replaced && entry.media ? [...entry.retiredMedia, entry.media] : entry.retiredMedia,
    };
  }

  if (FetchFailed.is(event)) {
    if (event.causationId !== null && entry.staleFetchIds.includes(event.causationId)) return entry;
    if (entry.status !== 'fetching') return entry;
    const requests = new Map(entry.requests);
    for (const request of waitingRequests(entry)) {
      requests.set(request.requestId, { ...request, status: 'dropped' });
    }
    return { ...entry, status: 'empty', fetchId: null, fetchStartedAt: null, requests };
  }

  if (DownloadLinkIssued.is(event)) {
    const requests = withRequest(entry, event.data, () => ({ status: 'linked' }));
    return {
      ...entry,
      requests,
      linksValidUntil: later(entry.linksValidUntil, event.data.expiresAt),
    };
  }

  if (DownloadDelivered.is(event)) {
    const { telegramFileId } = event.data;
    if (entry.requests.get(event.data.requestId)?.status === 'delivered') return entry;
    const requests = withRequest(entry, event.data, () => ({ status: 'delivered' }));
    const recordFileId =
      entry.telegramFileId === null &&
      telegramFileId !== null &&
      entry.media !== null &&
      !entry.rejectedFileIds.includes(telegramFileId);
    return {
      ...entry,
      requests,
      hits: entry.hits + 1,
      telegramFileId: recordFileId ? telegramFileId : entry.telegramFileId,
    };
  }

  if (FileIdRejected.is(event)) {
    const { telegramFileId } = event.data;
    return {
      ...entry,
      telegramFileId: entry.telegramFileId === telegramFileId ? null : entry.telegramFileId,
      rejectedFileIds: keepLast(entry.rejectedFileIds, telegramFileId),
    };
  }

  if (DownloadCancelled.is(event)) {
    const requests = withRequest(entry, event.data, () => ({ status: 'cancelled' }));
    return { ...entry, requests };
  }

  if (FetchAbandoned.is(event)) {
    if (entry.status !== 'fetching') return { ...entry, lastAbandonedAt: event.occurredAt };
    return {
      ...entry,
      status: 'empty',
      fetchId: null,
      fetchStartedAt: null,
      staleFetchIds: entry.fetchId
        ? keepLast(entry.staleFetchIds, entry.fetchId)
        : entry.staleFetchIds,
      lastAbandonedAt: event.occurredAt,
    };
  }

  return entry;
}

export interface CachePolicy {
  /** Files above this go out as signed links (Telegram's bot upload limit). */
  uploadLimitBytes: number;
  defaultTtlMs: number;
  popularTtlMs: number;
  /** More hits than this make an entry popular. */
  popularHits: number;
  /**
   * A fetch in flight for longer than this is taken as lost (its downloader died without an
   * ending): the next request starts a new one instead of joining it forever.
   */
  fetchStaleAfterMs: number;
}

/** D6: kept one day from when it became ready; seven days once it has more than 100 hits. */
export function expiresAt(
  entry: Pick<CacheEntry, 'media' | 'hits'>,
  policy: CachePolicy,
): Date | null {
  if (!entry.media) return null;
  const ttl = entry.hits > policy.popularHits ? policy.popularTtlMs : policy.defaultTtlMs;
  return new Date(Date.parse(entry.media.readyAt) + ttl);
}

/** Ready, not expired, and something to serve it with. */
export function isFresh(entry: CacheEntry, now: Date, policy: CachePolicy): boolean {
  const expiry = expiresAt(entry, policy);
  return entry.status === 'ready' && expiry !== null && now.getTime() < expiry.getTime();
}

/** A fetch is running and recent enough to join. */
export function hasFetchInFlight(entry: CacheEntry, now: Date, policy: CachePolicy): boolean {
  if (entry.status !== 'fetching') return false;
  if (entry.fetchStartedAt === null) return true;
  return now.getTime() - Date.parse(entry.fetchStartedAt) < policy.fetchStaleAfterMs;
}
