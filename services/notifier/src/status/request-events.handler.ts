import {
  DownloadCancelled,
  DownloadFailed,
  DownloadRequested,
  FetchFailed,
  FetchProgressed,
  FetchQueued,
  FormatSelected,
  MediaProbed,
  QualityChosen,
  type Envelope,
} from '@mediabot/contracts';
import type { NotifierDeps } from '../notifier-deps.ts';
import { applyChange, type RequestChange, type RequestFacts } from './request-state.ts';
import { showStatus } from './status-message.ts';

export interface RequestRef {
  requestId: string;
  chatId: number;
  occurredAt: string;
}

/**
 * Applies a change to a request and redraws its status message, under the request's lock. A
 * stale change (the request is further along) is not applied, but the message is still brought
 * up to date: a redelivery after a crash between saving and editing finishes the edit.
 * `draw: false` only saves: for a state the next change replaces at once (a cache hit, whose
 * file goes out right after), which would only spend the chat's budget before the file.
 */
export async function changeRequest(
  deps: NotifierDeps,
  ref: RequestRef,
  change: RequestChange,
  options: { progress?: boolean; draw?: boolean } = {},
): Promise<RequestFacts> {
  return deps.locks.withLock(ref.requestId, async () => {
    const stored = await deps.requests.loadOrNew(
      ref.requestId,
      ref.chatId,
      new Date(ref.occurredAt),
    );
    const next = applyChange(stored.facts, change);
    if (next) await deps.requests.save(next, { countDelivery: change.kind === 'delivered' });
    const current = next ? { ...stored, facts: next } : stored;
    if (options.draw !== false) await showStatus(deps, current, options);
    return current.facts;
  });
}

/** The lifecycle events of a request that only change what its status message shows. */
export const requestEventTypes = [
  DownloadRequested.type,
  MediaProbed.type,
  QualityChosen.type,
  FormatSelected.type,
  FetchQueued.type,
  FetchProgressed.type,
  DownloadFailed.type,
  FetchFailed.type,
  DownloadCancelled.type,
] as const;

export async function handleRequestEvent(
  deps: NotifierDeps,
  message: Envelope,
  onQueued: (cacheKey: string, ref: RequestRef) => Promise<void>,
): Promise<void> {
  const at = message.occurredAt;
  if (DownloadRequested.is(message)) {
    const { data } = message;
    await deps.users.noteSeen(data.user, data.chatId);
    await changeRequest(
      deps,
      { requestId: data.requestId, chatId: data.chatId, occurredAt: at },
      {
        kind: 'requested',
        telegramUserId: data.user.telegramUserId,
        userMessageId: data.messageId,
        language: data.user.languageCode,
        preferredQuality: data.preferredQuality,
        requestedAt: new Date(at),
      },
    );
  } else if (MediaProbed.is(message)) {
    const { data } = message;
    await changeRequest(
      deps,
      { ...data, occurredAt: at },
      {
        kind: 'probed',
        title: data.title,
        uploader: data.uploader,
        durationSeconds: data.durationSeconds,
        options: data.options,
      },
    );
  } else if (QualityChosen.is(message)) {
    const { data } = message;
    await changeRequest(
      deps,
      { ...data, occurredAt: at },
      { kind: 'quality-chosen', quality: data.quality },
    );
  } else if (FormatSelected.is(message) || FetchQueued.is(message)) {
    const { data } = message;
    const ref = { requestId: data.requestId, chatId: data.chatId, occurredAt: at };
    await changeRequest(deps, ref, {
      kind: 'queued',
      cacheKey: data.cacheKey,
      quality: data.option.quality,
      title: data.title,
      uploader: data.uploader,
      ...(FetchQueued.is(message) ? { joined: !message.data.startedFetch } : {}),
    });
    if (FetchQueued.is(message)) await onQueued(data.cacheKey, ref);
  } else if (FetchProgressed.is(message)) {
    const { data } = message;
    const progress = {
      stage: data.stage,
      percent: data.percent,
      downloadedBytes: data.downloadedBytes,
      totalBytes: data.totalBytes,
      speedBytesPerSecond: data.speedBytesPerSecond,
      etaSeconds: data.etaSeconds,
    };
    for (const waiting of await deps.requests.waitingOn(data.cacheKey)) {
      await changeRequest(
        deps,
        { requestId: waiting.facts.requestId, chatId: waiting.facts.chatId, occurredAt: at },
        { kind: 'progressed', progress },
        { progress: true },
      );
    }
  } else if (DownloadFailed.is(message)) {
    const { data } = message;
    await changeRequest(
      deps,
      { ...data, occurredAt: at },
      { kind: 'failed', code: data.error.code },
    );
  } else if (FetchFailed.is(message)) {
    const { data } = message;
    const change: RequestChange =
      data.error.code === 'cancelled'
        ? { kind: 'cancelled' }
        : { kind: 'failed', code: data.error.code };
    for (const waiting of await deps.requests.waitingOn(data.cacheKey)) {
      await changeRequest(
        deps,
        { requestId: waiting.facts.requestId, chatId: waiting.facts.chatId, occurredAt: at },
        change,
      );
    }
  } else if (DownloadCancelled.is(message)) {
    const { data } = message;
    await changeRequest(deps, { ...data, occurredAt: at }, { kind: 'cancelled' });
  }
}
