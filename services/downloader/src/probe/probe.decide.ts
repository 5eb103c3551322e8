import {
  cacheKeyOf,
  deterministicUuidv7,
  DownloadFailed,
  type DownloadRequested,
  FormatSelected,
  MediaProbed,
  requestStream,
  type ChoosableQuality,
  type Envelope,
  type QualityOption,
  type RecordedEnvelope,
} from '@mediabot/contracts';
import { dataOf, occurredAtMs } from '@mediabot/media-jobs';
import type { MediaInfo } from '@mediabot/media-tools';
import type { z } from 'zod';
import type { DownloadErrorData } from '../shared/download-error.ts';
import { downloaderActor } from '../shared/actor.ts';

export type DownloadRequestedData = z.output<typeof DownloadRequested.schema>;
export type MediaProbedData = z.output<typeof MediaProbed.schema>;
export type FormatSelectedData = z.output<typeof FormatSelected.schema>;

/** What the downloader keeps of a probed request, to answer the quality question later. */
export interface ProbedRequest {
  requestId: string;
  chatId: number;
  mediaKey: string;
  title: string;
  uploader: string | null;
  /** The link the user sent, as the URL check normalised it: what yt-dlp downloads. */
  url: string;
  options: QualityOption[];
}

export type ProbeOutcome =
  { kind: 'probed'; info: MediaInfo } | { kind: 'failed'; error: DownloadErrorData };

/** What the request stream already says, as far as probing is concerned. */
export interface RequestStreamFacts {
  /** download.probed or a probe-stage download.failed is there: the probe is done. */
  probeConcluded: boolean;
  probed: { eventId: string; data: MediaProbedData } | null;
  formatSelected: boolean;
  cancelled: boolean;
}

const cancellationTypes = new Set(['download.cancel-requested', 'download.cancelled']);

export function requestStreamFacts(stream: readonly RecordedEnvelope[]): RequestStreamFacts {
  const facts: RequestStreamFacts = {
    probeConcluded: false,
    probed: null,
    formatSelected: false,
    cancelled: false,
  };
  for (const event of stream) {
    if (MediaProbed.is(event)) {
      facts.probeConcluded = true;
      facts.probed = { eventId: event.eventId, data: dataOf(MediaProbed, event) };
    } else if (DownloadFailed.is(event)) {
      if (dataOf(DownloadFailed, event).stage === 'probe') facts.probeConcluded = true;
    } else if (FormatSelected.is(event)) {
      facts.formatSelected = true;
    } else if (cancellationTypes.has(event.type)) {
      facts.cancelled = true;
    }
  }
  return facts;
}

/** Probing is worth it only for a request nobody has answered or cancelled yet. */
export function shouldProbe(facts: RequestStreamFacts): boolean {
  return !facts.probeConcluded && !facts.cancelled;
}

const truncate = (text: string, max: number): string =>
  text.length > max ? `${text.slice(0, max - 1)}…` : text;

/** media-tools' options in the contract's shape. */
export function qualityOptionsOf(info: MediaInfo): QualityOption[] {
  return info.qualities.map((option) => ({
    quality: option.quality,
    kind: option.quality === 'audio-mp3' ? 'audio' : 'video',
    formatSelector: option.formatSelector,
    estimatedBytes: option.estimatedBytes,
    height: option.height,
  }));
}

export function probedDataOf(request: DownloadRequestedData, info: MediaInfo): MediaProbedData {
  return {
    requestId: request.requestId,
    chatId: request.chatId,
    mediaKey: truncate(info.mediaKey, 300),
    title: truncate(info.title, 1000),
    uploader: info.uploader === null ? null : truncate(info.uploader, 300),
    durationSeconds: info.durationSeconds,
    webpageUrl: truncate(info.webpageUrl, 2048),
    options: qualityOptionsOf(info),
  };
}

export function probedRequestOf(probed: MediaProbedData, url: string): ProbedRequest {
  return {
    requestId: probed.requestId,
    chatId: probed.chatId,
    mediaKey: probed.mediaKey,
    title: probed.title,
    uploader: probed.uploader,
    url,
    options: probed.options,
  };
}

export type FormatChoice =
  { kind: 'selected'; data: FormatSelectedData } | { kind: 'unavailable'; detail: string };

/** Resolves a quality against what the probe found: the option and its cache key. */
export function chooseFormat(probed: ProbedRequest, quality: ChoosableQuality): FormatChoice {
  const option = probed.options.find((candidate) => candidate.quality === quality);
  if (option === undefined) {
    const offered = probed.options.map((candidate) => candidate.quality).join(', ');
    return {
      kind: 'unavailable',
      detail: `quality_not_offered: ${quality} (offered: ${offered})`,
    };
  }
  return {
    kind: 'selected',
    data: {
      requestId: probed.requestId,
      chatId: probed.chatId,
      cacheKey: cacheKeyOf(probed.mediaKey, quality),
      url: probed.url,
      title: probed.title,
      uploader: probed.uploader,
      option,
    },
  };
}

/**
 * The events answering a download.requested, with ids derived from it so that a repeated probe
 * (a redelivery after a crash) appends nothing new. Nothing when the stream already has the
 * answer or the request was cancelled. With a preferred quality that exists, the format is
 * selected at once and the user is not asked.
 */
export function decideProbeAppend(
  stream: readonly RecordedEnvelope[],
  cause: Envelope<string, DownloadRequestedData>,
  url: string,
  outcome: ProbeOutcome,
  now: Date,
): Envelope[] {
  if (!shouldProbe(requestStreamFacts(stream))) return [];
  const request = cause.data;
  const options = {
    streamId: requestStream(request.requestId),
    actor: downloaderActor,
    causedBy: cause,
    occurredAt: now,
  };
  const idOf = (name: string): string =>
    deterministicUuidv7(`${name}:${cause.eventId}`, occurredAtMs(cause));

  if (outcome.kind === 'failed') {
    return [
      DownloadFailed.create(
        {
          requestId: request.requestId,
          chatId: request.chatId,
          stage: 'probe',
          error: outcome.error,
        },
        { ...options, eventId: idOf(DownloadFailed.type) },
      ),
    ];
  }
  const probed = probedDataOf(request, outcome.info);
  const events: Envelope[] = [
    MediaProbed.create(probed, { ...options, eventId: idOf(MediaProbed.type) }),
  ];
  if (request.preferredQuality !== null) {
    const choice = chooseFormat(probedRequestOf(probed, url), request.preferredQuality);
    if (choice.kind === 'selected') {
      events.push(
        FormatSelected.create(choice.data, { ...options, eventId: idOf(FormatSelected.type) }),
      );
    }
  }
  return events;
}

/** Whether a failed probe should be tried again later instead of telling the user now. */
export function retryProbeLater(
  error: DownloadErrorData,
  attempt: number,
  maxAttempts: number,
): boolean {
  return error.retryable && attempt < maxAttempts;
}
