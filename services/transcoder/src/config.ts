import { isAbsolute } from 'node:path';
import { z } from 'zod';
import { eventServiceConfigSchema } from '@mediabot/event-service';
import { s3ConfigSchema } from '@mediabot/object-storage';
import { durationVar, intVar } from '@mediabot/service-kit';

const absolutePath = z
  .string()
  .refine((path) => isAbsolute(path), { message: 'must be an absolute path' });

export const configSchema = eventServiceConfigSchema.extend({
  ...s3ConfigSchema.shape,
  TRANSCODE_WORK_DIR: absolutePath.default('/tmp/mediabot/transcoder'),
  TRANSCODE_CONCURRENCY: intVar({ min: 1, max: 16 }).default(1),
  TRANSCODE_TIMEOUT: durationVar({ min: 1_000 }).default(30 * 60_000),
  TRANSCODE_PRESET: z
    .enum(['ultrafast', 'superfast', 'veryfast', 'faster', 'fast', 'medium', 'slow'])
    .default('veryfast'),
  PROGRESS_INTERVAL: durationVar({ min: 100 }).default(3_000),
  FFMPEG_PATH: z.string().min(1).default('ffmpeg'),
  FFPROBE_PATH: z.string().min(1).default('ffprobe'),
});
export type TranscoderConfig = z.output<typeof configSchema>;
