import { sql } from 'kysely';
import type { Migration } from 'kysely/migration';

export const storageSchema = 'storage';

/** storage's own tables, all in its schema. */
export const migrations: Record<string, Migration> = {
  '0001_cache': {
    async up(db) {
      // One row per media + format: the fold of its cache stream up to stream_version.
      await sql`
        create table storage.cache_entries (
          cache_key text primary key,
          stream_version bigint not null default 0,
          status text not null default 'empty' check (status in ('empty', 'fetching', 'ready')),
          fetch_id uuid,
          fetch_started_at timestamptz,
          fetch_spec jsonb,
          media jsonb,
          telegram_file_id text,
          rejected_file_ids jsonb not null default '[]',
          hits integer not null default 0,
          links_valid_until timestamptz,
          last_abandoned_at timestamptz,
          stale_fetch_ids jsonb not null default '[]',
          expires_at timestamptz,
          updated_at timestamptz not null default now()
        )`.execute(db);
      await sql`create index cache_entries_expiry on storage.cache_entries (expires_at)
                where expires_at is not null`.execute(db);
      // Requests storage has answered (or been told to cancel), by request id.
      await sql`
        create table storage.cache_requests (
          request_id uuid primary key,
          chat_id bigint not null,
          cache_key text,
          status text not null
            check (status in ('waiting', 'served', 'linked', 'delivered', 'cancelled', 'dropped')),
          started_fetch boolean not null default false,
          updated_at timestamptz not null default now()
        )`.execute(db);
      await sql`create index cache_requests_waiting_by_entry on storage.cache_requests (cache_key)
                where status = 'waiting'`.execute(db);
      await sql`create index cache_requests_waiting_by_chat on storage.cache_requests (chat_id)
                where status = 'waiting'`.execute(db);
      await sql`create index cache_requests_by_entry on storage.cache_requests (cache_key)`.execute(
        db,
      );
      // Objects no entry uses any more, deleted from S3 once no link or upload can need them.
      await sql`
        create table storage.object_deletions (
          bucket text not null,
          object_key text not null,
          not_before timestamptz not null,
          primary key (bucket, object_key)
        )`.execute(db);
      await sql`create index object_deletions_due on storage.object_deletions (not_before)`.execute(
        db,
      );
    },
  },
  '0002_media_bucket': {
    async up(db) {
      // An entry's media names its bucket: `raw` when the download itself is delivered (no copy).
      // Everything stored before lies in the media bucket.
      await sql`
        update storage.cache_entries set media = media || '{"bucket": "media"}'::jsonb
        where media is not null and not media ? 'bucket'`.execute(db);
      await sql`
        alter table storage.object_deletions
          add constraint object_deletions_bucket check (bucket in ('media', 'raw'))`.execute(db);
      // "Does an entry still use this object?": asked per scheduled deletion and per batch of the
      // raw sweep, so it must not read every entry. Not partial: ANALYZE keeps statistics only for
      // the expressions of whole-table indexes, and without them the planner scans the table.
      await sql`create index cache_entries_media_object on storage.cache_entries
                ((media->>'objectKey'))`.execute(db);
      await sql`create index cache_entries_media_thumbnail on storage.cache_entries
                ((media->>'thumbnailObjectKey'))`.execute(db);
    },
  },
};
