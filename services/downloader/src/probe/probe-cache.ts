import { sql } from 'kysely';
import { z } from 'zod';
import { choosableQualities } from '@mediabot/contracts';
import type { AnyDatabase } from '@mediabot/eventstore';
import type { MediaInfo } from '@mediabot/media-tools';

/** Recent successful probes by normalised URL (failures are never kept). */
export interface ProbeCache {
  find(url: string): Promise<MediaInfo | undefined>;
  save(url: string, info: MediaInfo): Promise<void>;
}

export interface ProbeCacheOptions {
  /** How long a probe answers for its URL; 0 turns the cache off. */
  ttlMs: number;
  /** Rows kept at most; the oldest go first. */
  maxEntries: number;
  now: () => Date;
}

const qualityOptionSchema = z.object({
  quality: z.enum(choosableQualities),
  formatSelector: z.string(),
  height: z.number().nullable(),
  estimatedBytes: z.number().nullable(),
});

// A row written by an older version of the downloader reads as a miss, not as a crash.
const mediaInfoSchema = z.object({
  mediaKey: z.string(),
  id: z.string(),
  extractor: z.string(),
  extractorKey: z.string(),
  title: z.string(),
  durationSeconds: z.number().nullable(),
  uploader: z.string().nullable(),
  webpageUrl: z.string(),
  thumbnailUrl: z.string().nullable(),
  qualities: z.array(qualityOptionSchema).min(1),
}) satisfies z.ZodType<MediaInfo>;

export function createProbeCache(db: AnyDatabase, options: ProbeCacheOptions): ProbeCache {
  const oldestFresh = (): Date => new Date(options.now().getTime() - options.ttlMs);
  return {
    async find(url) {
      if (options.ttlMs <= 0) return undefined;
      const { rows } = await sql<{ info: unknown }>`
        select info from downloader.probe_cache
         where url = ${url} and probed_at > ${oldestFresh()}`.execute(db);
      const parsed = mediaInfoSchema.safeParse(rows[0]?.info);
      return parsed.success ? parsed.data : undefined;
    },
    async save(url, info) {
      if (options.ttlMs <= 0) return;
      // Direct sources live in their own table, for as long as they may be fetched.
      const { directSources: _directSources, ...offer } = info;
      await sql`
        insert into downloader.probe_cache (url, info, probed_at)
        values (${url}, ${JSON.stringify(offer)}::jsonb, ${options.now()})
        on conflict (url) do update set info = excluded.info, probed_at = excluded.probed_at`.execute(
        db,
      );
      await sql`
        delete from downloader.probe_cache
         where probed_at <= ${oldestFresh()}
            or url in (select url from downloader.probe_cache
                        order by probed_at desc offset ${options.maxEntries})`.execute(db);
    },
  };
}
