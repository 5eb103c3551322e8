import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '@mediabot/service-kit';
import { configSchema } from './config.ts';

const required = {
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres',
  RABBITMQ_URL: 'amqp://guest:guest@127.0.0.1:5672',
  REDIS_URL: 'redis://127.0.0.1:6379',
  S3_ENDPOINT: 'http://127.0.0.1:9000',
  S3_ACCESS_KEY: 'key',
  S3_SECRET_KEY: 'secret',
};

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(configSchema, env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map((problem) => problem.variable);
    throw error;
  }
  return [];
}

const hour = 3_600_000;

describe('storage config', () => {
  it('has the documented defaults', () => {
    expect(loadConfig(configSchema, required)).toMatchObject({
      S3_REGION: 'us-east-1',
      S3_BUCKET_MEDIA: 'mediabot-media',
      S3_BUCKET_RAW: 'mediabot-raw',
      TELEGRAM_UPLOAD_LIMIT_BYTES: 50 * 1024 * 1024,
      LINK_TTL: 24 * hour,
      CACHE_TTL_DEFAULT: 24 * hour,
      CACHE_TTL_POPULAR: 7 * 24 * hour,
      CACHE_POPULAR_HITS: 100,
      FETCH_STALE_AFTER: 3 * hour,
      CLEANUP_INTERVAL: 10 * 60_000,
      RAW_OBJECT_TTL: 6 * hour,
    });
    expect(loadConfig(configSchema, required).S3_PUBLIC_ENDPOINT).toBeUndefined();
  });

  it('names every bad variable', () => {
    expect(
      problemsOf({
        ...required,
        S3_PUBLIC_ENDPOINT: 'ftp://files',
        TELEGRAM_UPLOAD_LIMIT_BYTES: '0',
        LINK_TTL: '169h',
        CACHE_POPULAR_HITS: 'many',
        CLEANUP_INTERVAL: 'often',
      }).sort(),
    ).toEqual(
      [
        'CACHE_POPULAR_HITS',
        'CLEANUP_INTERVAL',
        'LINK_TTL',
        'S3_PUBLIC_ENDPOINT',
        'TELEGRAM_UPLOAD_LIMIT_BYTES',
      ].sort(),
    );
    expect(problemsOf({ ...required, S3_ENDPOINT: '', S3_SECRET_KEY: '' }).sort()).toEqual([
      'S3_ENDPOINT',
      'S3_SECRET_KEY',
    ]);
  });

  it('refuses one bucket for raw downloads and media (the raw sweep would take media)', () => {
    expect(problemsOf({ ...required, S3_BUCKET_RAW: 'files', S3_BUCKET_MEDIA: 'files' })).toEqual([
      'S3_BUCKET_RAW',
    ]);
  });

  it('accepts what .env.example documents', () => {
    const lines = readFileSync(new URL('../../../.env.example', import.meta.url), 'utf8').split(
      '\n',
    );
    const env = Object.fromEntries(
      lines.flatMap((line) => {
        const match = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
        return match?.[1] ? [[match[1], match[2] ?? '']] : [];
      }),
    );
    expect(problemsOf({ ...env, S3_ACCESS_KEY: 'key', S3_SECRET_KEY: 'secret' })).toEqual([]);
  });
});
