import type { z } from 'zod';
import {
  CacheHit,
  deterministicUuidv7,
  DownloadDelivered,
  DownloadLinkIssued,
  FileIdRejected,
  MediaReady,
  requestStream,
  type Envelope,
  type MediaBucket,
} from '@mediabot/contracts';
import { createTranslator } from '../i18n/index.ts';
import type { NotifierDeps } from '../notifier-deps.ts';
import type { SentMessage } from '../sending/send-once.ts';
import type { ReadyMedia } from '../state/media.ts';
import { isTerminal, type RequestFacts } from '../status/request-state.ts';
import { changeRequest, type RequestRef } from '../status/request-events.handler.ts';
import { isChatUnreachable, isWrongFileId } from '../telegram/telegram-errors.ts';
import { captionOf, renderLinkMessage } from './delivery.render.ts';

export const deliveryEventTypes = [
  MediaReady.type,
  CacheHit.type,
  DownloadLinkIssued.type,
] as const;

const actor = { kind: 'service' as const, id: 'notifier' };
type Via = 'upload' | 'file-id' | 'link';

interface SentMedia {
  message_id: number;
  video?: { file_id: string };
  audio?: { file_id: string };
  document?: { file_id: string };
}

/** Sends the file: by file_id when Telegram has it, else uploaded from object storage. */
async function sendMedia(
  deps: NotifierDeps,
  facts: RequestFacts,
  media: ReadyMedia,
  signal: AbortSignal | undefined,
): Promise<{ messageId: number; fileId: string | null }> {
  const replyParameters =
    facts.userMessageId === null
      ? undefined
      : { message_id: facts.userMessageId, allow_sending_without_reply: true };
  const common = {
    chat_id: facts.chatId,
    caption: captionOf(facts.title ?? media.title),
    parse_mode: 'HTML' as const,
    ...(replyParameters ? { reply_parameters: replyParameters } : {}),
  };
  // telegraf sends an upload as multipart and drops object fields it does not know to encode.
  const uploadCommon = {
    ...common,
    ...(replyParameters
      ? { reply_parameters: JSON.stringify(replyParameters) as unknown as typeof replyParameters }
      : {}),
  };
  const duration =
    media.durationSeconds === null
      ? {}
      : { duration: Math.max(0, Math.round(media.durationSeconds)) };
  const upload = async (bucket: MediaBucket, objectKey: string, filename: string) => ({
    source: await deps.files.open(bucket, objectKey),
    filename,
  });
  const thumbnail = async () =>
    media.thumbnailObjectKey === null
      ? {}
      : { thumbnail: await upload('media', media.thumbnailObjectKey, 'thumbnail.jpg') };
  const options = { chatId: facts.chatId, slots: deps.deliverySlots, signal };
  let sent: SentMedia;
  if (media.kind === 'video') {
    sent = await deps.bot.call(
      'sendVideo',
      media.telegramFileId !== null
        ? { ...common, video: media.telegramFileId, supports_streaming: true }
        : async () => ({
            ...uploadCommon,
            video: await upload(media.bucket, media.objectKey, media.fileName),
            ...duration,
            ...(media.width === null ? {} : { width: media.width }),
            ...(media.height === null ? {} : { height: media.height }),
            supports_streaming: true,
            ...(await thumbnail()),
          }),
      options,
    );
  } else {
    sent = await deps.bot.call(
      'sendAudio',
      media.telegramFileId !== null
        ? { ...common, audio: media.telegramFileId }
        : async () => ({
            ...uploadCommon,
            audio: await upload(media.bucket, media.objectKey, media.fileName),
            ...duration,
            title: media.title,
            ...(media.performer === null ? {} : { performer: media.performer }),
            ...(await thumbnail()),
          }),
      options,
    );
  }
  const fileId = sent.video?.file_id ?? sent.audio?.file_id ?? sent.document?.file_id ?? null;
  return { messageId: sent.message_id, fileId };
}

async function recordDelivery(
  deps: NotifierDeps,
  facts: RequestFacts,
  cacheKey: string,
  via: Via,
  sent: SentMessage,
  cause: Envelope,
): Promise<void> {
  const streamId = requestStream(facts.requestId);
  await deps.events.append(streamId, [
    DownloadDelivered.create(
      {
        requestId: facts.requestId,
        chatId: facts.chatId,
        cacheKey,
        via,
        telegramFileId: sent.fileId,
        telegramMessageId: sent.messageId,
      },
      {
        streamId,
        actor,
        causedBy: cause,
        // The same delivery always gets the same id, however often it is recorded.
        eventId: deterministicUuidv7(
          `notifier:delivered:${facts.requestId}`,
          sent.completedAt.getTime(),
        ),
        occurredAt: sent.completedAt,
      },
    ),
  ]);
  await changeRequest(deps, refOf(facts, cause), { kind: 'delivered', via });
}

const refOf = (facts: RequestFacts, cause: Envelope): RequestRef => ({
  requestId: facts.requestId,
  chatId: facts.chatId,
  occurredAt: cause.occurredAt,
});

/**
 * Delivers a file to one request (once: the send is keyed by the request). Returns the file_id
 * Telegram gave it, or `rejected` when Telegram no longer knows the file_id we used.
 */
async function deliverTo(
  deps: NotifierDeps,
  facts: RequestFacts,
  media: ReadyMedia,
  cause: Envelope,
  signal: AbortSignal | undefined,
): Promise<{ fileId: string | null } | 'rejected' | 'unreachable'> {
  const via: Via = media.telegramFileId === null ? 'upload' : 'file-id';
  if (via === 'upload') await changeRequest(deps, refOf(facts, cause), { kind: 'sending' });
  let outcome;
  try {
    outcome = await deps.sent.sendOnce({
      key: `deliver:${facts.requestId}`,
      chatId: facts.chatId,
      // A second copy of a file beats no file at all.
      ifOutcomeUnknown: 'send-again',
      send: () => sendMedia(deps, facts, media, signal),
    });
  } catch (error) {
    if (media.telegramFileId !== null && isWrongFileId(error)) {
      await rejectFileId(deps, facts, media.cacheKey, media.telegramFileId, cause);
      return 'rejected';
    }
    if (isChatUnreachable(error)) {
      deps.logger.warn({ requestId: facts.requestId }, 'Chat unreachable; file not delivered');
      await changeRequest(deps, refOf(facts, cause), { kind: 'failed', code: 'internal' });
      return 'unreachable';
    }
    throw error;
  }
  if (outcome.kind === 'unknown') return { fileId: null };
  await recordDelivery(deps, facts, media.cacheKey, via, outcome, cause);
  return { fileId: outcome.fileId };
}

async function rejectFileId(
  deps: NotifierDeps,
  facts: RequestFacts,
  cacheKey: string,
  fileId: string,
  cause: Envelope,
): Promise<void> {
  const streamId = requestStream(facts.requestId);
  deps.logger.warn({ requestId: facts.requestId, cacheKey }, 'Telegram refused a cached file_id');
  await deps.events.append(streamId, [
    FileIdRejected.create(
      { requestId: facts.requestId, chatId: facts.chatId, cacheKey, telegramFileId: fileId },
      {
        streamId,
        actor,
        causedBy: cause,
        eventId: deterministicUuidv7(
          `notifier:file-id-rejected:${facts.requestId}:${fileId}`,
          Date.parse(cause.occurredAt),
        ),
      },
    ),
  ]);
  await deps.media.forgetFileId(cacheKey, fileId);
  await changeRequest(deps, refOf(facts, cause), { kind: 'refetching' });
}

/**
 * Serves every request waiting on a ready file: the first by upload, the others by the file_id
 * that upload returned. Requests that start waiting meanwhile are served in the same pass.
 */
export async function deliverReadyMedia(
  deps: NotifierDeps,
  cacheKey: string,
  cause: Envelope,
  signal?: AbortSignal,
): Promise<void> {
  const media = await deps.media.find(cacheKey);
  if (!media) return;
  const served = new Set<string>();
  const serve = async (facts: RequestFacts): Promise<void> => {
    if (media.telegramFileId === null && media.sizeBytes > deps.settings.uploadLimitBytes) {
      // Storage issues a signed link instead (download.link-issued).
      await changeRequest(deps, refOf(facts, cause), {
        kind: 'large-file',
        sizeBytes: media.sizeBytes,
      });
      return;
    }
    const result = await deliverTo(deps, facts, media, cause, signal);
    if (typeof result === 'object' && result.fileId !== null && media.telegramFileId === null) {
      media.telegramFileId = result.fileId;
      await deps.media.rememberFileId(cacheKey, result.fileId);
    }
  };
  for (;;) {
    const waiting = (await deps.requests.waitingOn(cacheKey))
      .map((request) => request.facts)
      .filter((facts) => !served.has(facts.requestId));
    if (waiting.length === 0) return;
    for (const facts of waiting) served.add(facts.requestId);
    // One upload at a time until Telegram hands out a file_id; then the rest by file_id, a few at once.
    while (media.telegramFileId === null && waiting.length > 0) {
      const next = waiting.shift();
      if (next) await serve(next);
    }
    await forEachLimited(waiting, fileIdSendsAtOnce, serve);
  }
}

const fileIdSendsAtOnce = 4;

/** Runs `work` over the items, `limit` at a time; every item is tried, the first error is rethrown. */
async function forEachLimited<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  const queue = [...items];
  const failures: unknown[] = [];
  const worker = async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) {
      await work(item).catch((error: unknown) => failures.push(error));
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, queue.length) }, worker));
  if (failures.length > 0) throw failures[0];
}

async function onCacheHit(
  deps: NotifierDeps,
  message: Envelope<string, z.output<typeof CacheHit.schema>>,
  signal: AbortSignal | undefined,
): Promise<void> {
  const { data } = message;
  // Not drawn: the file (or, for an upload, the "uploading" status) follows at once.
  const facts = await changeRequest(
    deps,
    { requestId: data.requestId, chatId: data.chatId, occurredAt: message.occurredAt },
    { kind: 'cache-hit', cacheKey: data.cacheKey },
    { draw: false },
  );
  if (isTerminal(facts.state)) return;
  const known = await deps.media.find(data.cacheKey);
  // The object named by the hit, else the one media-ready named (each with its own bucket).
  const stored =
    data.objectKey !== null
      ? { objectKey: data.objectKey, bucket: data.bucket ?? 'media' }
      : known
        ? { objectKey: known.objectKey, bucket: known.bucket }
        : null;
  const objectKey = stored?.objectKey ?? null;
  const isKnownObject =
    known !== undefined &&
    stored !== null &&
    known.objectKey === stored.objectKey &&
    known.bucket === stored.bucket;
  if (data.telegramFileId === null && objectKey === null) {
    deps.logger.error({ cacheKey: data.cacheKey }, 'Cache hit with neither file_id nor object');
    await changeRequest(
      deps,
      { requestId: data.requestId, chatId: data.chatId, occurredAt: message.occurredAt },
      { kind: 'failed', code: 'internal' },
    );
    return;
  }
  const fileName =
    (objectKey ?? '').split('/').at(-1) || (data.kind === 'video' ? 'video.mp4' : 'audio.mp3');
  const media: ReadyMedia = {
    cacheKey: data.cacheKey,
    bucket: stored?.bucket ?? 'media',
    objectKey: objectKey ?? '',
    thumbnailObjectKey: isKnownObject ? (known.thumbnailObjectKey ?? null) : null,
    kind: data.kind,
    mimeType: known?.mimeType ?? (data.kind === 'video' ? 'video/mp4' : 'audio/mpeg'),
    fileName: known?.fileName ?? fileName,
    sizeBytes: known?.sizeBytes ?? 0,
    width: known?.width ?? null,
    height: known?.height ?? null,
    durationSeconds: known?.durationSeconds ?? null,
    title: known?.title ?? facts.title ?? fileName,
    performer: known?.performer ?? null,
    telegramFileId: data.telegramFileId,
  };
  const result = await deliverTo(deps, facts, media, message, signal);
  if (typeof result === 'object' && result.fileId !== null && isKnownObject)
    await deps.media.rememberFileId(data.cacheKey, result.fileId);
}

async function onLinkIssued(
  deps: NotifierDeps,
  message: Envelope<string, z.output<typeof DownloadLinkIssued.schema>>,
): Promise<void> {
  const { data } = message;
  const ref = { requestId: data.requestId, chatId: data.chatId, occurredAt: message.occurredAt };
  const stored = await deps.requests.loadOrNew(
    data.requestId,
    data.chatId,
    new Date(message.occurredAt),
  );
  const { facts } = stored;
  const profile = await deps.users.profile(facts.telegramUserId ?? facts.chatId, facts.language);
  const t = createTranslator(profile.language);
  const rendered = renderLinkMessage(t, {
    title: facts.title ?? t.plain('request.untitled'),
    url: data.url,
    sizeBytes: data.sizeBytes,
    expiresAt: new Date(data.expiresAt),
    now: deps.now(),
  });
  const outcome = await deps.sent
    .sendOnce({
      key: `link:${data.requestId}`,
      chatId: data.chatId,
      ifOutcomeUnknown: 'assume-sent',
      send: async () => {
        const sent = await deps.bot.call(
          'sendMessage',
          {
            chat_id: data.chatId,
            text: rendered.text,
            parse_mode: 'HTML',
            link_preview_options: { is_disabled: true },
            ...(facts.userMessageId === null
              ? {}
              : {
                  reply_parameters: {
                    message_id: facts.userMessageId,
                    allow_sending_without_reply: true,
                  },
                }),
          },
          { slots: deps.deliverySlots },
        );
        return { messageId: sent.message_id };
      },
    })
    .catch((error: unknown) => {
      if (!isChatUnreachable(error)) throw error;
      deps.logger.warn({ requestId: data.requestId }, 'Chat unreachable; link not sent');
      return undefined;
    });
  if (outcome?.kind === 'sent') {
    await recordDelivery(
      deps,
      { ...facts, chatId: data.chatId },
      data.cacheKey,
      'link',
      outcome,
      message,
    );
  } else {
    await changeRequest(deps, ref, { kind: 'delivered', via: 'link' });
  }
}

export async function handleDeliveryEvent(
  deps: NotifierDeps,
  message: Envelope,
  signal?: AbortSignal,
): Promise<void> {
  if (MediaReady.is(message)) {
    const { data } = message;
    await deps.media.ready({
      cacheKey: data.cacheKey,
      bucket: data.bucket,
      objectKey: data.objectKey,
      thumbnailObjectKey: data.thumbnailObjectKey,
      kind: data.kind,
      mimeType: data.mimeType,
      fileName: data.fileName,
      sizeBytes: data.sizeBytes,
      width: data.width,
      height: data.height,
      durationSeconds: data.durationSeconds,
      title: data.title,
      performer: data.performer,
    });
    await deliverReadyMedia(deps, data.cacheKey, message, signal);
  } else if (CacheHit.is(message)) {
    await onCacheHit(deps, message, signal);
  } else if (DownloadLinkIssued.is(message)) {
    await onLinkIssued(deps, message);
  }
}

/**
 * A request started waiting on a fetch whose file is already out (its download.media-ready was
 * handled first): serve it now, as download.media-ready would have.
 */
export async function deliverIfAlreadyReady(
  deps: NotifierDeps,
  cacheKey: string,
  cause: Envelope,
): Promise<void> {
  if (await deps.media.find(cacheKey)) await deliverReadyMedia(deps, cacheKey, cause);
}
