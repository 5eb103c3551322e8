import type { Readable } from 'node:stream';
import type { Envelope, MediaBucket } from '@mediabot/contracts';
import type { SentMessages } from './sending/send-once.ts';
import type { MediaStore } from './state/media.ts';
import type { Requests } from './state/requests.ts';
import type { Users } from './state/users.ts';
import type { RequestLocks } from './status/request-lock.ts';
import type { StatusRedraws } from './status/status-redraws.ts';
import type { BotApi } from './telegram/bot-api.ts';
import type { SendSlots } from './telegram/send-slots.ts';

export interface NotifierLogger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

/**
 * Telegram-ready files in object storage: in the media bucket, or in the raw bucket for a
 * download that already played as it was fetched. Thumbnails are always in media.
 */
export interface MediaFiles {
  open(bucket: MediaBucket, objectKey: string): Promise<Readable>;
}

/** Appends the notifier's own events (download.delivered, download.file-id-rejected). */
export interface EventAppender {
  append(streamId: string, events: readonly Envelope[]): Promise<void>;
}

export interface NotifierSettings {
  uploadLimitBytes: number;
  progressEditIntervalMs: number;
}

/** Everything the handlers use, passed in (tests swap any of it). */
export interface NotifierDeps {
  bot: BotApi;
  /** Files and links sent at once by this process (NOTIFIER_DELIVERY_CONCURRENCY). */
  deliverySlots: SendSlots;
  /** Status edits left for later because the chat had no sending budget. */
  redraws: StatusRedraws;
  sent: SentMessages;
  locks: RequestLocks;
  requests: Requests;
  users: Users;
  media: MediaStore;
  files: MediaFiles;
  events: EventAppender;
  now: () => Date;
  logger: NotifierLogger;
  settings: NotifierSettings;
}
