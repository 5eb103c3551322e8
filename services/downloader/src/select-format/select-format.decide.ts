import {
  deterministicUuidv7,
  DownloadFailed,
  FormatSelected,
  type QualityChosen,
  requestStream,
  type Envelope,
  type RecordedEnvelope,
} from '@mediabot/contracts';
import { occurredAtMs } from '@mediabot/media-jobs';
import type { z } from 'zod';
import { chooseFormat, requestStreamFacts, type ProbedRequest } from '../probe/probe.decide.ts';
import { downloaderActor } from '../shared/actor.ts';

export type QualityChosenData = z.output<typeof QualityChosen.schema>;

/**
 * download.quality-chosen → the format and cache key for that quality, or download.failed when
 * the request was never probed or the quality is not one it offered. The first choice of a
 * request wins: a later one (a second tap, or after the preferred quality was applied) changes
 * nothing. Ids derive from the choice, so a redelivery appends nothing new.
 */
export function decideFormatSelection(
  stream: readonly RecordedEnvelope[],
  cause: Envelope<string, QualityChosenData>,
  probed: ProbedRequest | undefined,
  now: Date,
): Envelope[] {
  const facts = requestStreamFacts(stream);
  if (facts.formatSelected || facts.cancelled) return [];
  if (stream.some((event) => event.causationId === cause.eventId)) return [];

  const { requestId, chatId, quality } = cause.data;
  const options = {
    streamId: requestStream(requestId),
    actor: downloaderActor,
    causedBy: cause,
    occurredAt: now,
  };
  const idOf = (name: string): string =>
    deterministicUuidv7(`${name}:${cause.eventId}`, occurredAtMs(cause));
  const failed = (detail: string): Envelope =>
    DownloadFailed.create(
      {
        requestId,
        chatId,
        stage: 'probe',
        error: { code: 'internal', retryable: false, detail },
      },
      { ...options, eventId: idOf(DownloadFailed.type) },
    );

  if (probed === undefined) return [failed('request_not_probed')];
  const choice = chooseFormat(probed, quality);
  if (choice.kind === 'unavailable') return [failed(choice.detail)];
  return [FormatSelected.create(choice.data, { ...options, eventId: idOf(FormatSelected.type) })];
}
