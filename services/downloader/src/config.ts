import { availableParallelism } from 'node:os';
import { isAbsolute } from 'node:path';
import { z } from 'zod';
import { createAllowList } from '@mediabot/egress-guard';
import { eventServiceConfigSchema } from '@mediabot/event-service';
import { s3ConfigSchema } from '@mediabot/object-storage';
import { booleanVar, durationVar, intVar } from '@mediabot/service-kit';

const commaList = z.string().transform((text) =>
  text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0),
);

const cidrList = commaList.refine(
  (cidrs) => {
    try {
      createAllowList(cidrs);
      return true;
    } catch {
      return false;
    }
  },
  { message: 'must be a comma-separated list of CIDRs, e.g. 127.0.0.1/32,10.0.0.0/8' },
);

const portList = commaList.pipe(
  z.array(
    z
      .string()
      .regex(/^\d+$/, { message: 'ports must be whole numbers' })
      .transform(Number)
      .refine((port) => port >= 1 && port <= 65_535, { message: 'ports must be 1-65535' }),
  ),
);

const absolutePath = z
  .string()
  .refine((path) => isAbsolute(path), { message: 'must be an absolute path' });

/** One probe per CPU this process may use (its affinity), at least one. */
export function defaultProbeConcurrency(): number {
  return Math.min(64, Math.max(1, availableParallelism()));
}

export const configSchema = eventServiceConfigSchema.extend({
  ...s3ConfigSchema.shape,
  DOWNLOAD_WORK_DIR: absolutePath.default('/tmp/mediabot/downloader'),
  DOWNLOAD_CONCURRENCY: intVar({ min: 1, max: 64 }).default(2),
  // yt-dlp -J is CPU-bound (~0.5 s of a core): more probes at once than cores finish no more.
  PROBE_CONCURRENCY: intVar({ min: 1, max: 64 }).default(defaultProbeConcurrency()),
  PROBE_CACHE_TTL: durationVar().default(10 * 60_000),
  PROBE_CACHE_MAX_ENTRIES: intVar({ min: 1 }).default(10_000),
  // How long after a probe a single-file format is fetched with one GET instead of yt-dlp; 0: never.
  DIRECT_FETCH_TTL: durationVar().default(30 * 60_000),
  // A link that serves a media file is probed with one HEAD instead of a yt-dlp run.
  DIRECT_LINK_PROBE: booleanVar().default(true),
  TOOL_NICENESS: intVar({ min: 0, max: 19 }).default(10),
  MAX_DOWNLOAD_BYTES: intVar({ min: 1 }).default(2 * 1024 ** 3),
  DOWNLOAD_TIMEOUT: durationVar({ min: 1_000 }).default(30 * 60_000),
  PROBE_TIMEOUT: durationVar({ min: 1_000 }).default(60_000),
  PROGRESS_INTERVAL: durationVar({ min: 100 }).default(3_000),
  EGRESS_ALLOW_CIDRS: cidrList.default([]),
  EGRESS_ALLOW_PORTS: portList.default([]),
  YT_DLP_PATH: z.string().min(1).default('yt-dlp'),
});
export type DownloaderConfig = z.output<typeof configSchema>;
