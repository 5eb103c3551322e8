import { z } from 'zod';
import { urlVar } from '@mediabot/service-kit';
import type { ObjectStorageOptions } from './object-storage.ts';

/**
 * The S3 settings a service reads from its environment, under the names every service uses:
 * `configSchema = baseSchema.extend({ ...s3ConfigSchema.shape, … })`.
 */
export const s3ConfigSchema = z.object({
  S3_ENDPOINT: urlVar({ protocols: ['http', 'https'] }),
  S3_ACCESS_KEY: z.string().min(1),
  S3_SECRET_KEY: z.string().min(1),
  S3_REGION: z.string().min(1).default('us-east-1'),
  S3_BUCKET_RAW: z.string().min(3).max(63).default('mediabot-raw'),
  S3_BUCKET_MEDIA: z.string().min(3).max(63).default('mediabot-media'),
});
export type S3Config = z.output<typeof s3ConfigSchema>;

/** What `createObjectStorage` needs from those settings, both buckets included. */
export function objectStorageOptionsOf(config: S3Config): ObjectStorageOptions {
  return {
    endpoint: config.S3_ENDPOINT,
    accessKey: config.S3_ACCESS_KEY,
    secretKey: config.S3_SECRET_KEY,
    region: config.S3_REGION,
    buckets: { raw: config.S3_BUCKET_RAW, media: config.S3_BUCKET_MEDIA },
  };
}
