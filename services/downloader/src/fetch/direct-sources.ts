import { sql } from 'kysely';
import { z } from 'zod';
import type { AnyDatabase } from '@mediabot/eventstore';
import type { DirectSource } from '@mediabot/media-tools';

/** The direct sources of recent probes, by normalised URL and format id. */
export interface DirectSources {
  /** Replaces what an earlier probe of `url` said. */
  save(url: string, sources: readonly DirectSource[]): Promise<void>;
  find(url: string, formatId: string): Promise<DirectSource | undefined>;
}

export interface DirectSourcesOptions {
  /** How long after a probe its sources are used; 0 turns direct fetches off. */
  ttlMs: number;
  now: () => Date;
}

// A row written by an older version of the downloader reads as a miss (yt-dlp fetches instead).
const directSourceSchema = z.object({
  formatId: z.string(),
  url: z.string(),
  httpHeaders: z.record(z.string(), z.string()),
  ext: z.string().nullable(),
}) satisfies z.ZodType<DirectSource>;

export function createDirectSources(db: AnyDatabase, options: DirectSourcesOptions): DirectSources {
  const oldestFresh = (): Date => new Date(options.now().getTime() - options.ttlMs);
  return {
    async save(url, sources) {
      if (options.ttlMs <= 0) return;
      const probedAt = options.now();
      await db.transaction().execute(async (trx) => {
        await sql`delete from downloader.direct_sources
                   where url = ${url} or probed_at <= ${oldestFresh()}`.execute(trx);
        for (const source of sources) {
          await sql`
            insert into downloader.direct_sources (url, format_id, source, probed_at)
            values (${url}, ${source.formatId}, ${JSON.stringify(source)}::jsonb, ${probedAt})
            on conflict (url, format_id) do update
              set source = excluded.source, probed_at = excluded.probed_at`.execute(trx);
        }
      });
    },
    async find(url, formatId) {
      if (options.ttlMs <= 0) return undefined;
      const { rows } = await sql<{ source: unknown }>`
        select source from downloader.direct_sources
         where url = ${url} and format_id = ${formatId} and probed_at > ${oldestFresh()}`.execute(
        db,
      );
      const parsed = directSourceSchema.safeParse(rows[0]?.source);
      return parsed.success ? parsed.data : undefined;
    },
  };
}
