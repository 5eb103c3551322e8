import { sql } from 'kysely';
import {
  AppError,
  CacheHit,
  cacheStream,
  DownloadCancelled,
  DownloadLinkIssued,
  FetchAbandoned,
  FetchQueued,
  registry,
  type Envelope,
  type RecordedEnvelope,
} from '@mediabot/contracts';
import { createEventStore, type AnyTransaction } from '@mediabot/eventstore';
import type { ObjectStorage } from '@mediabot/object-storage';
import {
  emptyEntry,
  evolve,
  expiresAt,
  storedMediaOf,
  type CacheEntry,
  type CachePolicy,
  type CacheRequest,
  type FetchSpec,
  type RequestStatus,
  type StoredMedia,
  type StoredMediaRow,
} from './cache-entry.ts';
import type { Intent } from './intent.ts';
import { decideLinks } from '../links/links.decide.ts';
import { storageSchema } from '../migrations.ts';

export const storageActor = { kind: 'service', id: 'storage' } as const;

export interface CacheDependencies {
  now: () => Date;
  policy: CachePolicy;
  linkTtlSeconds: number;
  /** Objects retired from an entry stay this long before deletion (a notifier may be uploading them). */
  deletionGraceMs: number;
  objects: Pick<ObjectStorage, 'presignedGetUrl'>;
  /** Test hook: runs after a decision, right before its append. */
  beforeAppend?: (cacheKey: string) => Promise<void>;
}

/** Decisions retried in-process when the entry's stream moved under us, before giving up. */
const appendAttempts = 3;

interface EntryRow {
  cache_key: string;
  stream_version: string;
  status: CacheEntry['status'];
  fetch_id: string | null;
  fetch_started_at: Date | null;
  fetch_spec: FetchSpec | null;
  media: StoredMediaRow | null;
  telegram_file_id: string | null;
  rejected_file_ids: string[];
  hits: number;
  links_valid_until: Date | null;
  last_abandoned_at: Date | null;
  stale_fetch_ids: string[];
}

interface RequestRow {
  request_id: string;
  chat_id: string;
  cache_key: string | null;
  status: RequestStatus;
  started_fetch: boolean;
}

const table = (name: string) => sql.table(`${storageSchema}.${name}`);

function toRequest(row: RequestRow): CacheRequest {
  return {
    requestId: row.request_id,
    chatId: Number(row.chat_id),
    cacheKey: row.cache_key,
    status: row.status,
    startedFetch: row.started_fetch,
  };
}

/** Serialises work on these requests across transactions and replicas (until commit). */
export async function lockRequests(trx: AnyTransaction, requestIds: readonly string[]) {
  for (const requestId of [...new Set(requestIds)].sort()) {
    await sql`select pg_advisory_xact_lock(hashtextextended(${`storage:request:${requestId}`}, 0))`.execute(
      trx,
    );
  }
}

export async function loadRequest(
  trx: AnyTransaction,
  requestId: string,
): Promise<CacheRequest | null> {
  const { rows } = await sql<RequestRow>`
    select request_id, chat_id::text as chat_id, cache_key, status, started_fetch
    from ${table('cache_requests')} where request_id = ${requestId}::uuid`.execute(trx);
  return rows[0] ? toRequest(rows[0]) : null;
}

export async function saveRequests(trx: AnyTransaction, requests: readonly CacheRequest[]) {
  for (const request of requests) {
    await sql`
      insert into ${table('cache_requests')} (request_id, chat_id, cache_key, status, started_fetch, updated_at)
      values (${request.requestId}::uuid, ${request.chatId}, ${request.cacheKey}, ${request.status},
              ${request.startedFetch}, now())
      on conflict (request_id) do update set
        chat_id = excluded.chat_id, cache_key = excluded.cache_key, status = excluded.status,
        started_fetch = excluded.started_fetch, updated_at = now()`.execute(trx);
  }
}

/** The entry's row, created when missing, locked until the transaction ends. */
async function lockEntry(trx: AnyTransaction, cacheKey: string): Promise<CacheEntry> {
  await sql`insert into ${table('cache_entries')} (cache_key) values (${cacheKey})
            on conflict (cache_key) do nothing`.execute(trx);
  const { rows } = await sql<EntryRow>`
    select cache_key, stream_version::text as stream_version, status, fetch_id, fetch_started_at,
           fetch_spec, media,
           telegram_file_id, rejected_file_ids, hits, links_valid_until, last_abandoned_at,
           stale_fetch_ids
    from ${table('cache_entries')} where cache_key = ${cacheKey} for update`.execute(trx);
  const row = rows[0];
  if (!row) throw new Error(`Cache entry ${cacheKey} vanished under its lock`);
  return {
    ...emptyEntry(cacheKey),
    version: BigInt(row.stream_version),
    status: row.status,
    fetchId: row.fetch_id,
    fetchStartedAt: row.fetch_started_at?.toISOString() ?? null,
    fetchSpec: row.fetch_spec,
    media: storedMediaOf(row.media),
    telegramFileId: row.telegram_file_id,
    rejectedFileIds: row.rejected_file_ids,
    hits: row.hits,
    linksValidUntil: row.links_valid_until?.toISOString() ?? null,
    lastAbandonedAt: row.last_abandoned_at?.toISOString() ?? null,
    staleFetchIds: row.stale_fetch_ids,
  };
}

/** Adds the requests the entry does not hold yet: all its waiting ones and those named. */
async function loadRequestsInto(
  trx: AnyTransaction,
  entry: CacheEntry,
  requestIds: readonly string[],
  loaded: Map<string, string>,
  includeWaiting: boolean,
): Promise<CacheEntry> {
  const missing = [...new Set(requestIds)].filter((id) => !entry.requests.has(id));
  if (missing.length === 0 && !includeWaiting) return entry;
  const { rows } = await sql<RequestRow>`
    select request_id, chat_id::text as chat_id, cache_key, status, started_fetch
    from ${table('cache_requests')}
    where request_id = any(${missing}::uuid[])
       ${includeWaiting ? sql`or (cache_key = ${entry.cacheKey} and status = 'waiting')` : sql``}`.execute(
    trx,
  );
  const requests = new Map(entry.requests);
  for (const row of rows) {
    if (requests.has(row.request_id)) continue;
    const request = toRequest(row);
    requests.set(request.requestId, request);
    loaded.set(request.requestId, JSON.stringify(request));
  }
  return { ...entry, requests };
}

function requestIdOf(event: Pick<Envelope, 'data'>): string | null {
  const data = event.data as { requestId?: unknown } | null;
  return typeof data?.requestId === 'string' ? data.requestId : null;
}

/** A stored event in its current schema version; null for types storage does not know. */
function upcast(event: RecordedEnvelope): Envelope | null {
  if (!registry.has(event.type)) return null;
  const definition = registry.get(event.type);
  return {
    ...event,
    version: definition.version,
    data: definition.parseData(event.version, event.data),
  };
}

async function saveEntry(
  trx: AnyTransaction,
  entry: CacheEntry,
  loaded: ReadonlyMap<string, string>,
  deps: CacheDependencies,
): Promise<void> {
  const expiry = expiresAt(entry, deps.policy);
  await sql`
    update ${table('cache_entries')} set
      stream_version = ${entry.version.toString()}::bigint,
      status = ${entry.status},
      fetch_id = ${entry.fetchId}::uuid,
      fetch_started_at = ${entry.fetchStartedAt}::timestamptz,
      fetch_spec = ${entry.fetchSpec === null ? null : JSON.stringify(entry.fetchSpec)}::jsonb,
      media = ${entry.media === null ? null : JSON.stringify(entry.media)}::jsonb,
      telegram_file_id = ${entry.telegramFileId},
      rejected_file_ids = ${JSON.stringify(entry.rejectedFileIds)}::jsonb,
      hits = ${entry.hits},
      links_valid_until = ${entry.linksValidUntil}::timestamptz,
      last_abandoned_at = ${entry.lastAbandonedAt}::timestamptz,
      stale_fetch_ids = ${JSON.stringify(entry.staleFetchIds)}::jsonb,
      expires_at = ${expiry},
      updated_at = now()
    where cache_key = ${entry.cacheKey}`.execute(trx);
  const changed = [...entry.requests.values()].filter(
    (request) => loaded.get(request.requestId) !== JSON.stringify(request),
  );
  await saveRequests(trx, changed);
  if (entry.retiredMedia.length > 0) {
    const notBefore = Math.max(
      deps.now().getTime() + deps.deletionGraceMs,
      entry.linksValidUntil ? Date.parse(entry.linksValidUntil) : 0,
    );
    await scheduleDeletions(trx, entry.retiredMedia, new Date(notBefore));
  }
}

/** Each media's object (in its bucket) and thumbnail (in media) are deleted from `notBefore`. */
export async function scheduleDeletions(
  trx: AnyTransaction,
  media: readonly StoredMedia[],
  notBefore: Date,
): Promise<void> {
  const objects = media.flatMap((item) => [
    { bucket: item.bucket, key: item.objectKey },
    ...(item.thumbnailObjectKey
      ? [{ bucket: 'media' as const, key: item.thumbnailObjectKey }]
      : []),
  ]);
  for (const { bucket, key } of objects) {
    await sql`
      insert into ${table('object_deletions')} (bucket, object_key, not_before)
      values (${bucket}, ${key}, ${notBefore})
      on conflict (bucket, object_key) do update
        set not_before = greatest(${table('object_deletions')}.not_before, excluded.not_before)`.execute(
      trx,
    );
  }
}

async function eventsOf(
  intents: readonly Intent[],
  entry: CacheEntry,
  cause: Envelope,
  deps: CacheDependencies,
): Promise<Envelope[]> {
  const now = deps.now();
  const options = {
    streamId: cacheStream(entry.cacheKey),
    actor: storageActor,
    causedBy: cause,
    occurredAt: now,
  };
  const { cacheKey } = entry;
  const events: Envelope[] = [];
  for (const intent of intents) {
    switch (intent.kind) {
      case 'cache-hit':
        events.push(
          CacheHit.create(
            {
              ...intent.request,
              cacheKey,
              telegramFileId: intent.telegramFileId,
              objectKey: intent.objectKey,
              bucket: intent.bucket,
              kind: intent.mediaKind,
            },
            options,
          ),
        );
        break;
      case 'fetch-queued': {
        // The downloader skips fetches queued at or before an abandonment of their key.
        const afterAbandonment = entry.lastAbandonedAt ? Date.parse(entry.lastAbandonedAt) + 1 : 0;
        const occurredAt = new Date(Math.max(now.getTime(), afterAbandonment));
        events.push(
          FetchQueued.create(
            { ...intent.request, cacheKey, startedFetch: intent.startedFetch, ...intent.spec },
            { ...options, occurredAt },
          ),
        );
        break;
      }
      case 'link': {
        const media = entry.media;
        if (!media) throw new Error(`No stored object to link for ${cacheKey}`);
        const link = await deps.objects.presignedGetUrl(
          media.bucket,
          media.objectKey,
          deps.linkTtlSeconds,
          {
            downloadFileName: media.fileName,
          },
        );
        events.push(
          DownloadLinkIssued.create(
            {
              ...intent.request,
              cacheKey,
              url: link.url,
              expiresAt: link.expiresAt.toISOString(),
              sizeBytes: media.sizeBytes,
            },
            options,
          ),
        );
        break;
      }
      case 'cancelled':
        events.push(DownloadCancelled.create({ ...intent.request, cacheKey }, options));
        break;
      case 'fetch-abandoned':
        events.push(FetchAbandoned.create({ cacheKey }, options));
        break;
    }
  }
  return events;
}

function isConflict(error: unknown): boolean {
  return error instanceof AppError && error.code === 'wrong_expected_version';
}

export interface EntryDecision {
  cacheKey: string;
  /** The message being handled: causation, correlation and trace of what is appended. */
  cause: Envelope;
  /** Requests this message is about (loaded so the decision knows their state). */
  requestIds?: readonly string[];
  /** The message itself when it changes the entry but is not in the entry's stream. */
  apply?: Envelope | null;
  decide?: (entry: CacheEntry) => Intent[];
}

/**
 * The one way storage changes a cache entry, inside the handler's transaction:
 * lock the entry's row (replicas queue here), fold what its stream gained since the row was
 * written, decide, append to the stream at exactly the folded version, fold that too and save.
 * If the stream moved between our read and our append (another service appended), read again
 * and decide again; after a few tries the message is retried later.
 */
export async function decideOnEntry(
  trx: AnyTransaction,
  deps: CacheDependencies,
  decision: EntryDecision,
): Promise<{ entry: CacheEntry; appended: Envelope[] }> {
  const store = createEventStore(trx);
  const streamId = cacheStream(decision.cacheKey);
  const loaded = new Map<string, string>();
  let entry = await lockEntry(trx, decision.cacheKey);
  let applied = false;

  for (let attempt = 1; ; attempt += 1) {
    const recorded = await store.readStream(streamId, { fromVersion: entry.version + 1n });
    const named = [
      ...(decision.requestIds ?? []),
      ...recorded.flatMap((event) => requestIdOf(event) ?? []),
    ];
    entry = await loadRequestsInto(trx, entry, named, loaded, attempt === 1);
    for (const event of recorded) {
      const current = upcast(event);
      if (current) entry = evolve(entry, current);
      entry = { ...entry, version: event.streamVersion };
    }
    if (decision.apply && !applied) {
      entry = evolve(entry, decision.apply);
      applied = true;
    }

    const intents = [...(decision.decide?.(entry) ?? []), ...decideLinks(entry, deps.policy)];
    if (intents.length === 0) {
      await saveEntry(trx, entry, loaded, deps);
      return { entry, appended: [] };
    }
    const events = await eventsOf(intents, entry, decision.cause, deps);
    await deps.beforeAppend?.(decision.cacheKey);
    try {
      const result = await store.append(streamId, events, {
        expectedVersion: entry.version === 0n ? 'no_stream' : entry.version,
      });
      for (const event of events) entry = evolve(entry, event);
      entry = { ...entry, version: result.nextExpectedVersion };
      await saveEntry(trx, entry, loaded, deps);
      return { entry, appended: events };
    } catch (error) {
      if (!isConflict(error)) throw error;
      if (attempt >= appendAttempts) {
        throw new AppError(
          'cache_entry_contended',
          `The stream of cache entry ${decision.cacheKey} kept moving; retrying later`,
          { retryable: true, cause: error, details: { cacheKey: decision.cacheKey } },
        );
      }
    }
  }
}
