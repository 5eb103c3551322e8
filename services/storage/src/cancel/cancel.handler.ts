import { sql } from 'kysely';
import {
  AppError,
  CancelRequested,
  CommandReceived,
  DownloadCancelled,
  requestStream,
  type Envelope,
} from '@mediabot/contracts';
import { createEventStore, type AnyTransaction } from '@mediabot/eventstore';
import {
  decideOnEntry,
  loadRequest,
  lockRequests,
  saveRequests,
  storageActor,
  type CacheDependencies,
} from '../cache/cache-store.ts';
import type { RequestRef } from '../cache/intent.ts';
import { storageSchema } from '../migrations.ts';
import { decideCancel } from './cancel.decide.ts';

async function cancelOnEntries(
  trx: AnyTransaction,
  deps: CacheDependencies,
  cause: Envelope,
  byEntry: ReadonlyMap<string, RequestRef[]>,
): Promise<Envelope[]> {
  const appended: Envelope[] = [];
  // Entries in key order, so two cancellations never wait on each other's locks.
  for (const cacheKey of [...byEntry.keys()].sort()) {
    const requests = byEntry.get(cacheKey) ?? [];
    const result = await decideOnEntry(trx, deps, {
      cacheKey,
      cause,
      requestIds: requests.map((request) => request.requestId),
      decide: (entry) => decideCancel(entry, requests),
    });
    appended.push(...result.appended);
  }
  return appended;
}

/**
 * A request storage has not seen yet (still being probed) is recorded as cancelled, so its
 * format selection, when it comes, starts nothing; the cancellation goes to the request's stream.
 */
async function cancelUnknownRequest(
  trx: AnyTransaction,
  deps: CacheDependencies,
  cause: Envelope,
  request: RequestRef,
): Promise<Envelope[]> {
  await saveRequests(trx, [
    { ...request, cacheKey: null, status: 'cancelled', startedFetch: false },
  ]);
  const store = createEventStore(trx);
  const streamId = requestStream(request.requestId);
  const event = DownloadCancelled.create(
    { ...request, cacheKey: null },
    { streamId, actor: storageActor, causedBy: cause, occurredAt: deps.now() },
  );
  for (let attempt = 1; ; attempt += 1) {
    const version = await store.streamVersion(streamId);
    try {
      await store.append(streamId, [event], { expectedVersion: version ?? 'no_stream' });
      return [event];
    } catch (error) {
      const conflict = error instanceof AppError && error.code === 'wrong_expected_version';
      if (!conflict) throw error;
      if (attempt >= 3) {
        throw new AppError('request_stream_contended', `Stream ${streamId} kept moving`, {
          retryable: true,
          cause: error,
        });
      }
    }
  }
}

/** download.cancel-requested → download.cancelled (+ download.fetch-abandoned for the last waiter). */
export async function handleCancelRequested(
  trx: AnyTransaction,
  deps: CacheDependencies,
  message: Envelope,
): Promise<Envelope[]> {
  if (!CancelRequested.is(message)) return [];
  const { requestId, chatId } = message.data;
  await lockRequests(trx, [requestId]);
  const known = await loadRequest(trx, requestId);
  if (!known) return cancelUnknownRequest(trx, deps, message, { requestId, chatId });
  if (known.cacheKey === null) return [];
  return cancelOnEntries(trx, deps, message, new Map([[known.cacheKey, [{ requestId, chatId }]]]));
}

/** /cancel → every request of the chat that still waits on a fetch is cancelled. */
export async function handleCancelCommand(
  trx: AnyTransaction,
  deps: CacheDependencies,
  message: Envelope,
): Promise<Envelope[]> {
  if (!CommandReceived.is(message) || message.data.command !== 'cancel') return [];
  const { chatId } = message.data;
  const { rows } = await sql<{ request_id: string; cache_key: string }>`
    select request_id, cache_key from ${sql.table(`${storageSchema}.cache_requests`)}
    where chat_id = ${chatId} and status = 'waiting' and cache_key is not null`.execute(trx);
  if (rows.length === 0) return [];
  await lockRequests(
    trx,
    rows.map((row) => row.request_id),
  );
  const byEntry = new Map<string, RequestRef[]>();
  for (const row of rows) {
    byEntry.set(row.cache_key, [
      ...(byEntry.get(row.cache_key) ?? []),
      { requestId: row.request_id, chatId },
    ]);
  }
  return cancelOnEntries(trx, deps, message, byEntry);
}
