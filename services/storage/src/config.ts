import type { z } from 'zod';
import { eventServiceConfigSchema } from '@mediabot/event-service';
import { maxLinkSeconds, s3ConfigSchema } from '@mediabot/object-storage';
import { durationVar, intVar, urlVar } from '@mediabot/service-kit';

const hour = 3_600_000;
const day = 24 * hour;

export const configSchema = eventServiceConfigSchema
  .extend({
    ...s3ConfigSchema.shape,
    S3_PUBLIC_ENDPOINT: urlVar({ protocols: ['http', 'https'] }).optional(),
    /** 50 MB for the cloud Bot API; 2000 MB with a self-hosted one. */
    TELEGRAM_UPLOAD_LIMIT_BYTES: intVar({ min: 1 }).default(50 * 1024 * 1024),
    LINK_TTL: durationVar({ min: 1_000, max: maxLinkSeconds * 1000 }).default(day),
    CACHE_TTL_DEFAULT: durationVar({ min: 1_000 }).default(day),
    CACHE_TTL_POPULAR: durationVar({ min: 1_000 }).default(7 * day),
    CACHE_POPULAR_HITS: intVar({ min: 0 }).default(100),
    FETCH_STALE_AFTER: durationVar({ min: 60_000 }).default(3 * hour),
    CLEANUP_INTERVAL: durationVar({ min: 1_000 }).default(10 * 60_000),
    RAW_OBJECT_TTL: durationVar({ min: 60_000 }).default(6 * hour),
  })
  .refine((config) => config.S3_BUCKET_RAW !== config.S3_BUCKET_MEDIA, {
    // The raw sweep deletes every old object of the raw bucket that no entry serves from there.
    message: 'must name another bucket than S3_BUCKET_MEDIA (old raw objects are swept)',
    path: ['S3_BUCKET_RAW'],
  });
export type StorageConfig = z.output<typeof configSchema>;
