import { AppError, DownloadRequested, MediaProbed, requestStream } from '@mediabot/contracts';
import { validateUrlText, type AllowList } from '@mediabot/egress-guard';
import type { AnyDatabase, EventStore } from '@mediabot/eventstore';
import { appendDecided } from '@mediabot/media-jobs';
import { probeMedia, type ProbeOptions, type MediaInfo } from '@mediabot/media-tools';
import type { LongRunningHandler } from '@mediabot/messaging';
import { downloadErrorOf } from '../shared/download-error.ts';
import {
  decideProbeAppend,
  probedRequestOf,
  requestStreamFacts,
  retryProbeLater,
  shouldProbe,
  type ProbeOutcome,
} from './probe.decide.ts';
import type { DirectSources } from '../fetch/direct-sources.ts';
import type { ProbeCache } from './probe-cache.ts';
import { saveProbedRequest } from './probed-requests.ts';

export interface ProbeDependencies {
  db: AnyDatabase;
  store: EventStore;
  /** The in-process egress proxy every yt-dlp run goes through. */
  proxyUrl: string;
  egress: { allowList: AllowList; allowedPorts: readonly number[] };
  ytDlpPath: string;
  /** Scheduling niceness of yt-dlp. */
  niceness: number;
  probeTimeoutMs: number;
  /** Recent probes by normalised URL: a link probed moments ago is answered without yt-dlp. */
  probeCache?: ProbeCache | undefined;
  /** Where the fetch finds the probed formats that are one plain HTTP(S) file. */
  directSources?: DirectSources | undefined;
  /**
   * Answers a link to a media file with one HEAD instead of a yt-dlp run (undefined: not such a
   * link, yt-dlp probes it).
   */
  probeDirectLink?:
    ((url: string, signal: AbortSignal) => Promise<MediaInfo | undefined>) | undefined;
  /** The probe consumer's attempts: a transient failure on the last one is told to the user. */
  maxAttempts: number;
  now: () => Date;
  probe?: (url: string, options: ProbeOptions) => Promise<MediaInfo>;
}

/**
 * download.requested → a recent probe of the same URL, else one HEAD for a link to a media file,
 * else yt-dlp -J; all through the egress proxy → download.probed or download.failed.
 */
export function createProbeHandler(deps: ProbeDependencies): LongRunningHandler {
  const probe = deps.probe ?? probeMedia;
  return async (message, { delivery, logger, signal }) => {
    if (!DownloadRequested.is(message)) return;
    const request = message.data;
    const streamId = requestStream(request.requestId);

    let url = request.url;
    let outcome: ProbeOutcome | undefined;
    try {
      // Hand on the normalised spelling that was checked, never the raw text.
      url = validateUrlText(request.url, deps.egress).href;
    } catch (error) {
      outcome = { kind: 'failed', error: downloadErrorOf(error) };
    }

    const facts = requestStreamFacts(await deps.store.readStream(streamId));
    if (!shouldProbe(facts)) {
      // Answered before (a redelivery after a crash): make sure the projection has it too.
      if (facts.probed !== null) {
        await saveProbedRequest(
          deps.db,
          probedRequestOf(facts.probed.data, url),
          facts.probed.eventId,
        );
      }
      logger.info({ requestId: request.requestId }, 'Request already probed or cancelled');
      return;
    }

    let answeredBy: 'cache' | 'direct-link' | 'yt-dlp' | undefined;
    if (outcome === undefined) {
      const cached = await deps.probeCache?.find(url);
      if (cached !== undefined) {
        outcome = { kind: 'probed', info: cached };
        answeredBy = 'cache';
      }
    }
    const remember = async (info: MediaInfo): Promise<void> => {
      await deps.probeCache?.save(url, info).catch((error: unknown) => {
        logger.warn({ err: error, requestId: request.requestId }, 'Could not cache the probe');
      });
      await deps.directSources?.save(url, info.directSources ?? []).catch((error: unknown) => {
        // The fetch then runs yt-dlp, as it does for any other format.
        logger.warn({ err: error, requestId: request.requestId }, 'Could not keep direct sources');
      });
    };
    if (outcome === undefined && deps.probeDirectLink !== undefined) {
      const info = await deps.probeDirectLink(url, signal);
      if (info !== undefined) {
        outcome = { kind: 'probed', info };
        answeredBy = 'direct-link';
        await remember(info);
      }
    }
    if (outcome === undefined) {
      try {
        const info = await probe(url, {
          ytDlpPath: deps.ytDlpPath,
          proxy: deps.proxyUrl,
          timeoutMs: deps.probeTimeoutMs,
          niceness: deps.niceness,
          signal,
        });
        outcome = { kind: 'probed', info };
        answeredBy = 'yt-dlp';
        await remember(info);
      } catch (error) {
        if (signal.aborted) {
          throw new AppError('interrupted', 'The probe was interrupted by a shutdown', {
            retryable: true,
            cause: error,
          });
        }
        const failure = downloadErrorOf(error);
        if (retryProbeLater(failure, delivery.attempt, deps.maxAttempts)) {
          throw new AppError('probe_retry', failure.detail ?? failure.code, {
            retryable: true,
            cause: error,
          });
        }
        outcome = { kind: 'failed', error: failure };
      }
    }

    const decided = outcome;
    const { appended, stream } = await appendDecided(deps.store, streamId, (current) =>
      decideProbeAppend(current, message, url, decided, deps.now()),
    );
    const probedEvent = appended.find((event) => MediaProbed.is(event));
    const probed =
      probedEvent === undefined
        ? requestStreamFacts(stream).probed
        : { eventId: probedEvent.eventId, data: probedEvent.data };
    if (probed !== null) {
      await saveProbedRequest(deps.db, probedRequestOf(probed.data, url), probed.eventId);
    }
    logger.info(
      {
        requestId: request.requestId,
        outcome: decided.kind,
        answeredBy,
        ...(decided.kind === 'failed' ? { code: decided.error.code } : {}),
        appended: appended.map((event) => event.type),
      },
      'Probe answered',
    );
  };
}
