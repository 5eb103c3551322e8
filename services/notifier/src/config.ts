import { z } from 'zod';
import { eventServiceConfigSchema } from '@mediabot/event-service';
import { s3ConfigSchema } from '@mediabot/object-storage';
import { durationVar, intVar, urlVar } from '@mediabot/service-kit';

const MB = 1024 * 1024;

export const configSchema = eventServiceConfigSchema.extend({
  // Media is uploaded from either bucket: made files lie in media, downloads that already played
  // in raw (download.media-ready names the bucket).
  ...s3ConfigSchema.shape,
  TELEGRAM_BOT_TOKEN: z.string().regex(/^\d+:[A-Za-z0-9_-]{20,}$/, {
    message: 'must look like 123456:ABC-… (from @BotFather)',
  }),
  /** A self-hosted telegram-bot-api server, or the local fake, instead of api.telegram.org. */
  TELEGRAM_API_ROOT: urlVar({ protocols: ['http', 'https'] }).default('https://api.telegram.org'),
  /** Largest file sent by upload: 50 MB on api.telegram.org, 2000 MB on a self-hosted server. */
  TELEGRAM_UPLOAD_LIMIT_BYTES: intVar({ min: 1, max: 2000 * MB }).default(50 * MB),
  /** At most one progress edit of a status message per interval. */
  PROGRESS_EDIT_INTERVAL: durationVar({ min: 500 }).default(3_000),
  RATE_PER_CHAT_PER_SECOND: z.coerce.number().positive().max(100).default(1),
  RATE_GLOBAL_PER_SECOND: z.coerce.number().positive().max(10_000).default(30),
  /** Longest a send waits in the handler (rate limit, 429 retry_after) before it is retried later. */
  TELEGRAM_MAX_WAIT_MS: durationVar({ min: 0 }).default(30_000),
  /** Prefix of the notifier's Redis keys (rate-limit buckets, request locks). */
  NOTIFIER_REDIS_PREFIX: z.string().min(1).default('mediabot:notifier'),
  NOTIFIER_CONCURRENCY: intVar({ min: 1, max: 100 }).default(8),
  /** Files and links sent at once per instance; a delivery waiting for its chat's budget does not count. */
  NOTIFIER_DELIVERY_CONCURRENCY: intVar({ min: 1, max: 50 }).default(3),
});
export type NotifierConfig = z.output<typeof configSchema>;
