import { DownloadRequested, FetchAbandoned, FetchQueued, QualityChosen } from '@mediabot/contracts';
import { createAllowList, startEgressProxy } from '@mediabot/egress-guard';
import { openEventInfrastructure } from '@mediabot/event-service';
import { sweepLeftoverJobDirs } from '@mediabot/media-jobs';
import type { MessageHandler } from '@mediabot/messaging';
import { createObjectStorage, objectStorageOptionsOf } from '@mediabot/object-storage';
import type { ServiceContext, StartResult } from '@mediabot/service-kit';
import type { DownloaderConfig } from './config.ts';
import { createAbandonHandler } from './fetch/abandon.handler.ts';
import { watchAbandonments } from './fetch/abandonments.ts';
import { createFetchHandler } from './fetch/fetch.handler.ts';
import { createFetchJobs, type FetchJobs } from './fetch/fetch-jobs.ts';
import { downloaderSchema, migrations } from './migrations.ts';
import { createDirectSources } from './fetch/direct-sources.ts';
import { probeDirectLink } from './probe/direct-link.ts';
import { createProbeCache } from './probe/probe-cache.ts';
import { createProbeHandler } from './probe/probe.handler.ts';
import { createSelectFormatHandler } from './select-format/select-format.handler.ts';

/** Waits between attempts of each queue; attempts in all = delays + 1. */
export const retryDelays = {
  main: [500, 2_000, 8_000],
  probe: [2_000, 10_000],
  fetch: [5_000, 30_000],
} as const;

/** A HEAD slower than this is left to yt-dlp's probe (it delays that probe by as much). */
const directLinkProbeTimeoutMs = 3_000;

/** How often an instance looks for abandonments of the fetches it runs (handled elsewhere). */
const abandonmentPollMs = 2_000;

export interface DownloaderHandle {
  jobs: FetchJobs;
  proxyUrl: string;
}

/**
 * The downloader: probes links (download.requested), resolves quality choices
 * (download.quality-chosen), runs fetches (download.fetch-queued) and stops abandoned ones
 * (download.fetch-abandoned). Each kind of work has its own queue, so a long download never
 * delays a probe or a cancellation.
 */
export async function startDownloader(
  context: ServiceContext<DownloaderConfig>,
  options: { now?: () => Date } = {},
): Promise<StartResult & DownloaderHandle> {
  const { config, logger, shutdown } = context;
  const now = options.now ?? (() => new Date());

  await sweepLeftoverJobDirs(config.DOWNLOAD_WORK_DIR, (fields, message) =>
    logger.warn(fields, message),
  );
  const infra = await openEventInfrastructure(context, {
    schema: downloaderSchema,
    migrations,
  });
  const storage = createObjectStorage(objectStorageOptionsOf(config));
  await storage.ensureBuckets();
  context.addReadinessCheck({ name: 's3', check: () => storage.check() });

  // Every yt-dlp run goes through this proxy: it resolves each host once and refuses private,
  // loopback and metadata addresses (unless allow-listed for tests and local runs).
  const proxy = await startEgressProxy({
    host: '127.0.0.1',
    port: 0,
    allowList: config.EGRESS_ALLOW_CIDRS,
    allowedPorts: config.EGRESS_ALLOW_PORTS,
    connectTimeoutMs: 10_000,
    logger,
  });
  shutdown.register('egress proxy', () => proxy.close());
  const egress = {
    allowList: createAllowList(config.EGRESS_ALLOW_CIDRS),
    allowedPorts: config.EGRESS_ALLOW_PORTS,
  };

  const directSources = createDirectSources(infra.db, { ttlMs: config.DIRECT_FETCH_TTL, now });
  const jobs = createFetchJobs();
  const watch = watchAbandonments({
    db: infra.db,
    jobs,
    intervalMs: abandonmentPollMs,
    onError: (error) => logger.warn({ err: error }, 'Could not look for abandoned fetches'),
  });
  shutdown.register('abandonment watch', () => watch.stop());

  // Consumers stop one after the other (fetch first): share the shutdown budget between them.
  const grace = (share: number): number =>
    Math.max(1_000, Math.floor(config.SHUTDOWN_TIMEOUT_MS * share));

  const selectFormat = createSelectFormatHandler({
    maxAttempts: retryDelays.main.length + 1,
    now,
  });
  const abandon = createAbandonHandler({ jobs });
  const mainHandler: MessageHandler = (message, handlerContext) =>
    FetchAbandoned.is(message)
      ? abandon(message, handlerContext)
      : selectFormat(message, handlerContext);
  await infra.consume({
    bindings: [QualityChosen.type, FetchAbandoned.type],
    handler: mainHandler,
    retryDelaysMs: retryDelays.main,
    stopTimeoutMs: grace(0.1),
  });

  await infra.consume({
    subscription: 'probe',
    bindings: [DownloadRequested.type],
    longRunningHandler: createProbeHandler({
      db: infra.db,
      store: infra.store,
      proxyUrl: proxy.url,
      egress,
      ytDlpPath: config.YT_DLP_PATH,
      niceness: config.TOOL_NICENESS,
      probeTimeoutMs: config.PROBE_TIMEOUT,
      probeCache: createProbeCache(infra.db, {
        ttlMs: config.PROBE_CACHE_TTL,
        maxEntries: config.PROBE_CACHE_MAX_ENTRIES,
        now,
      }),
      directSources,
      probeDirectLink: config.DIRECT_LINK_PROBE
        ? (url, signal) =>
            probeDirectLink(url, {
              proxyUrl: proxy.url,
              egress,
              timeoutMs: directLinkProbeTimeoutMs,
              signal,
            })
        : undefined,
      maxAttempts: retryDelays.probe.length + 1,
      now,
    }),
    concurrency: config.PROBE_CONCURRENCY,
    prefetch: config.PROBE_CONCURRENCY,
    retryDelaysMs: retryDelays.probe,
    consumerTimeoutMs: config.PROBE_TIMEOUT + 60_000,
    stopTimeoutMs: grace(0.2),
  });

  await infra.consume({
    subscription: 'fetch',
    bindings: [FetchQueued.type],
    longRunningHandler: createFetchHandler({
      db: infra.db,
      store: infra.store,
      storage,
      jobs,
      workRoot: config.DOWNLOAD_WORK_DIR,
      proxyUrl: proxy.url,
      ytDlpPath: config.YT_DLP_PATH,
      niceness: config.TOOL_NICENESS,
      maxBytes: config.MAX_DOWNLOAD_BYTES,
      timeoutMs: config.DOWNLOAD_TIMEOUT,
      progressIntervalMs: config.PROGRESS_INTERVAL,
      maxAttempts: retryDelays.fetch.length + 1,
      now,
      direct: { sources: directSources, egress },
    }),
    // N downloads at once per instance, and no more held: the rest wait in the queue for
    // whichever instance frees a slot first.
    concurrency: config.DOWNLOAD_CONCURRENCY,
    prefetch: config.DOWNLOAD_CONCURRENCY,
    retryDelaysMs: retryDelays.fetch,
    // Upload time on top of the download limit.
    consumerTimeoutMs: config.DOWNLOAD_TIMEOUT + 15 * 60_000,
    stopTimeoutMs: grace(0.5),
  });

  logger.info(
    {
      downloadConcurrency: config.DOWNLOAD_CONCURRENCY,
      probeConcurrency: config.PROBE_CONCURRENCY,
      probeCacheTtlMs: config.PROBE_CACHE_TTL,
      directFetchTtlMs: config.DIRECT_FETCH_TTL,
      directLinkProbe: config.DIRECT_LINK_PROBE,
      toolNiceness: config.TOOL_NICENESS,
      egressAllowList: config.EGRESS_ALLOW_CIDRS,
    },
    'Downloader consuming',
  );
  return { jobs, proxyUrl: proxy.url };
}
