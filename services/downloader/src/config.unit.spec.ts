import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
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

describe('downloader config', () => {
  it('has the documented defaults', () => {
    expect(loadConfig(configSchema, required)).toMatchObject({
      DOWNLOAD_WORK_DIR: '/tmp/mediabot/downloader',
      DOWNLOAD_CONCURRENCY: 2,
      MAX_DOWNLOAD_BYTES: 2 * 1024 ** 3,
      DOWNLOAD_TIMEOUT: 30 * 60_000,
      PROBE_TIMEOUT: 60_000,
      PROGRESS_INTERVAL: 3_000,
      EGRESS_ALLOW_CIDRS: [],
      EGRESS_ALLOW_PORTS: [],
      YT_DLP_PATH: 'yt-dlp',
      PROBE_CONCURRENCY: Math.max(1, availableParallelism()),
      PROBE_CACHE_TTL: 10 * 60_000,
      PROBE_CACHE_MAX_ENTRIES: 10_000,
      DIRECT_FETCH_TTL: 30 * 60_000,
      DIRECT_LINK_PROBE: true,
      TOOL_NICENESS: 10,
    });
  });

  it('reads the allow-list and ports as comma-separated lists', () => {
    const config = loadConfig(configSchema, {
      ...required,
      EGRESS_ALLOW_CIDRS: '127.0.0.1/32, 10.0.0.0/8',
      EGRESS_ALLOW_PORTS: '8080,9000',
      PROGRESS_INTERVAL: '500ms',
    });
    expect(config.EGRESS_ALLOW_CIDRS).toEqual(['127.0.0.1/32', '10.0.0.0/8']);
    expect(config.EGRESS_ALLOW_PORTS).toEqual([8080, 9000]);
    expect(config.PROGRESS_INTERVAL).toBe(500);
  });

  it('names every bad variable', () => {
    expect(
      problemsOf({
        ...required,
        EGRESS_ALLOW_CIDRS: 'not-a-cidr',
        EGRESS_ALLOW_PORTS: '70000',
        DOWNLOAD_WORK_DIR: 'relative/dir',
        DOWNLOAD_CONCURRENCY: '0',
      }).sort(),
    ).toEqual(
      [
        'DOWNLOAD_CONCURRENCY',
        'DOWNLOAD_WORK_DIR',
        'EGRESS_ALLOW_CIDRS',
        'EGRESS_ALLOW_PORTS.0',
      ].sort(),
    );
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
