import type { ColumnType, Generated, Kysely } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
/** pg returns bigint columns as strings; we write numbers. */
type BigIntColumn = ColumnType<string | number, number | string, number | string>;
type NullableBigInt = ColumnType<
  string | number | null,
  number | string | null,
  number | string | null
>;
type Json<T> = ColumnType<T, string, string>;

export interface UsersTable {
  telegram_user_id: BigIntColumn;
  chat_id: NullableBigInt;
  telegram_language: string | null;
  chosen_language: string | null;
  default_quality: Generated<string>;
  registered_at: Timestamp | null;
  delivered_count: Generated<number>;
  updated_at: Timestamp;
}

export interface RequestsTable {
  request_id: string;
  chat_id: BigIntColumn;
  telegram_user_id: NullableBigInt;
  user_message_id: number | null;
  language: Generated<string>;
  preferred_quality: string | null;
  state: string;
  note: string | null;
  status_message_id: number | null;
  status_generation: Generated<number>;
  rendered_hash: string | null;
  cache_key: string | null;
  title: string | null;
  uploader: string | null;
  duration_seconds: number | null;
  options: Json<unknown> | null;
  chosen_quality: string | null;
  progress: Json<unknown> | null;
  error_code: string | null;
  large_file_bytes: NullableBigInt;
  delivered_via: string | null;
  last_progress_edit_at: Timestamp | null;
  requested_at: Timestamp;
  updated_at: Timestamp;
}

export interface MediaTable {
  cache_key: string;
  /** 'media' or 'raw': the bucket object_key lies in (thumbnails are always in media). */
  bucket: Generated<string>;
  object_key: string;
  thumbnail_object_key: string | null;
  kind: string;
  mime_type: string;
  file_name: string;
  size_bytes: BigIntColumn;
  width: number | null;
  height: number | null;
  duration_seconds: number | null;
  title: string;
  performer: string | null;
  telegram_file_id: string | null;
  ready_at: Timestamp;
}

export interface SentMessagesTable {
  idempotency_key: string;
  chat_id: BigIntColumn;
  state: 'sending' | 'sent' | 'failed' | 'unknown';
  telegram_message_id: number | null;
  telegram_file_id: string | null;
  attempts: Generated<number>;
  last_error: string | null;
  heartbeat_at: Timestamp;
  created_at: Timestamp;
  completed_at: Timestamp | null;
}

export interface NotifierTables {
  users: UsersTable;
  requests: RequestsTable;
  media: MediaTable;
  sent_messages: SentMessagesTable;
}

/** The notifier's schema; every query goes through `db.withSchema(notifierSchema)`. */
export const notifierSchema = 'notifier';

export type NotifierDb = Kysely<NotifierTables>;
