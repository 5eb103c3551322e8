import { sql } from 'kysely';
import type { Migration } from 'kysely/migration';

export const downloaderSchema = 'downloader';

export const migrations: Record<string, Migration> = {
  '0001_probed_requests_and_abandoned_fetches': {
    async up(db) {
      // What a probe found, for the quality the user chooses next (written by the probe handler).
      await sql`
        create table downloader.probed_requests (
          request_id uuid primary key,
          chat_id bigint not null,
          media_key text not null,
          title text not null,
          uploader text,
          url text not null,
          options jsonb not null,
          probed_event_id uuid not null,
          probed_at timestamptz not null default now()
        )`.execute(db);
      // Every fetch-abandoned seen; a fetch queued at or before one of them for its cache key
      // must stop (or never start), on whichever downloader instance holds it.
      await sql`
        create table downloader.fetch_abandonments (
          abandoned_event_id uuid primary key,
          cache_key text not null,
          abandoned_at timestamptz not null,
          recorded_at timestamptz not null default now()
        )`.execute(db);
      await sql`
        create index fetch_abandonments_by_key
          on downloader.fetch_abandonments (cache_key, abandoned_at desc)`.execute(db);
    },
  },
  '0002_probe_cache': {
    async up(db) {
      // Recent successful probes by normalised URL, so a link sent again soon is not re-probed.
      await sql`
        create table downloader.probe_cache (
          url text primary key,
          info jsonb not null,
          probed_at timestamptz not null
        )`.execute(db);
      await sql`create index probe_cache_by_age on downloader.probe_cache (probed_at)`.execute(db);
    },
  },
  '0003_direct_sources': {
    async up(db) {
      // Where a probed single-file format can be fetched with one GET, for the fetch that follows
      // (the URLs may be signed by the site and expire: they never go into events).
      await sql`
        create table downloader.direct_sources (
          url text not null,
          format_id text not null,
          source jsonb not null,
          probed_at timestamptz not null,
          primary key (url, format_id)
        )`.execute(db);
      await sql`create index direct_sources_by_age on downloader.direct_sources (probed_at)`.execute(
        db,
      );
    },
  },
};
