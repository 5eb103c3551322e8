import { sql } from 'kysely';
import type { Migration } from 'kysely/migration';

/** The notifier's own tables, all in schema `notifier` (the consumer's inbox is added beside them). */
export const migrations: Record<string, Migration> = {
  '0001_users_requests_media_sent_messages': {
    async up(db) {
      await sql`
        create table notifier.users (
          telegram_user_id bigint primary key,
          chat_id bigint,
          telegram_language text,
          chosen_language text,
          default_quality text not null default 'ask',
          registered_at timestamptz,
          delivered_count integer not null default 0,
          updated_at timestamptz not null default now()
        )`.execute(db);
      await sql`
        create table notifier.requests (
          request_id uuid primary key,
          chat_id bigint not null,
          telegram_user_id bigint,
          user_message_id integer,
          language text not null default 'en',
          preferred_quality text,
          state text not null check (state in ('probing', 'choosing', 'queued', 'downloading',
            'converting', 'uploading', 'delivered', 'failed', 'cancelled')),
          note text,
          status_message_id integer,
          status_generation integer not null default 0,
          rendered_hash text,
          cache_key text,
          title text,
          uploader text,
          duration_seconds double precision,
          options jsonb,
          chosen_quality text,
          progress jsonb,
          error_code text,
          large_file_bytes bigint,
          delivered_via text,
          last_progress_edit_at timestamptz,
          requested_at timestamptz not null,
          updated_at timestamptz not null default now()
        )`.execute(db);
      await sql`
        create index requests_waiting_on_cache_key on notifier.requests (cache_key)
        where state not in ('delivered', 'failed', 'cancelled')`.execute(db);
      await sql`
        create index requests_by_chat on notifier.requests (chat_id, requested_at desc)`.execute(
        db,
      );
      await sql`
        create index requests_by_user on notifier.requests (telegram_user_id)`.execute(db);
      await sql`
        create table notifier.media (
          cache_key text primary key,
          object_key text not null,
          thumbnail_object_key text,
          kind text not null,
          mime_type text not null,
          file_name text not null,
          size_bytes bigint not null,
          width integer,
          height integer,
          duration_seconds double precision,
          title text not null,
          performer text,
          telegram_file_id text,
          ready_at timestamptz not null default now()
        )`.execute(db);
      await sql`
        create table notifier.sent_messages (
          idempotency_key text primary key,
          chat_id bigint not null,
          state text not null check (state in ('sending', 'sent', 'failed', 'unknown')),
          telegram_message_id integer,
          telegram_file_id text,
          attempts integer not null default 1,
          last_error text,
          heartbeat_at timestamptz not null default now(),
          created_at timestamptz not null default now(),
          completed_at timestamptz
        )`.execute(db);
    },
  },
  '0002_media_bucket': {
    async up(db) {
      // A download that already plays in Telegram is delivered from the raw bucket, as fetched.
      await sql`
        alter table notifier.media add column bucket text not null default 'media'
          check (bucket in ('media', 'raw'))`.execute(db);
    },
  },
};
