import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '@mediabot/service-kit';
import { configSchema } from './config.ts';

describe('transcoder config', () => {
  it('accepts what .env.example documents, with its defaults', () => {
    const lines = readFileSync(new URL('../../../.env.example', import.meta.url), 'utf8').split(
      '\n',
    );
    const env = Object.fromEntries(
      lines.flatMap((line) => {
        const match = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
        return match?.[1] ? [[match[1], match[2] ?? '']] : [];
      }),
    );
    const config = loadConfig(configSchema, { ...env, S3_ACCESS_KEY: 'k', S3_SECRET_KEY: 's' });
    expect(config).toMatchObject({
      TRANSCODE_WORK_DIR: '/tmp/mediabot/transcoder',
      TRANSCODE_CONCURRENCY: 1,
      TRANSCODE_TIMEOUT: 30 * 60_000,
      TRANSCODE_PRESET: 'veryfast',
      FFMPEG_PATH: 'ffmpeg',
      FFPROBE_PATH: 'ffprobe',
      PROGRESS_INTERVAL: 3_000,
    });
  });
});
