import { AppError } from '@mediabot/contracts';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { baseConfigSchema } from './base-config.ts';
import { booleanVar, durationVar, intVar, parseDurationMs, urlVar } from './env-vars.ts';
import { ConfigError, loadConfig } from './load-config.ts';

const validEnv = {
  DATABASE_URL: 'postgres://app:s3cret@db:5432/mediabot',
  RABBITMQ_URL: 'amqp://app:s3cret@rabbit:5672',
  REDIS_URL: 'redis://redis:6379',
};

function configErrorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('applies defaults and converts strings into typed values', () => {
    const config = loadConfig(baseConfigSchema, validEnv);
    expect(config).toEqual({
      ...validEnv,
      NODE_ENV: 'development',
      LOG_LEVEL: 'info',
      HTTP_PORT: 8080,
      RABBITMQ_PREFETCH: 16,
      CONSUMER_TIMEOUT_MS: 30_000,
      SHUTDOWN_TIMEOUT_MS: 10_000,
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('lets a service extend the base schema', () => {
    const schema = baseConfigSchema.extend({ FEATURE_ON: booleanVar().default(false) });
    const config = loadConfig(schema, {
      ...validEnv,
      FEATURE_ON: 'yes',
      CONSUMER_TIMEOUT_MS: '2m',
    });
    expect(config.FEATURE_ON).toBe(true);
    expect(config.CONSUMER_TIMEOUT_MS).toBe(120_000);
  });

  it('treats an empty variable as unset', () => {
    const config = loadConfig(baseConfigSchema, { ...validEnv, SENTRY_DSN: '', HTTP_PORT: '' });
    expect(config.SENTRY_DSN).toBeUndefined();
    expect(config.HTTP_PORT).toBe(8080);
  });

  it('reports every problem at once, one per line, without echoing values', () => {
    const error = configErrorOf(() =>
      loadConfig(baseConfigSchema, {
        DATABASE_URL: 'mysql://root:hunter2@db/x',
        RABBITMQ_URL: 'not a url hunter2',
        HTTP_PORT: '99999',
        LOG_LEVEL: 'loud',
        RABBITMQ_PREFETCH: 'many',
        SHUTDOWN_TIMEOUT_MS: '10 parsecs',
      }),
    );

    expect(error).toBeInstanceOf(AppError);
    expect(error.code).toBe('invalid_config');
    expect(error.retryable).toBe(false);
    expect(error.message).not.toContain('hunter2');
    const lines = error.message.split('\n');
    expect(lines[0]).toBe('Invalid configuration:');
    expect(lines.slice(1).sort()).toEqual(
      [
        '  DATABASE_URL: must start with postgres:// or postgresql://',
        '  HTTP_PORT: must be at most 65535',
        '  LOG_LEVEL: Invalid option: expected one of "fatal"|"error"|"warn"|"info"|"debug"|"trace"|"silent"',
        '  RABBITMQ_PREFETCH: must be a whole number',
        '  RABBITMQ_URL: must be a valid URL',
        '  REDIS_URL: is required but not set',
        '  SHUTDOWN_TIMEOUT_MS: must be a duration in milliseconds, or with a unit: 1500ms, 30s, 5m, 1h',
      ].sort(),
    );
    expect(error.problems.map((problem) => problem.variable)).toContain('REDIS_URL');
  });
});

describe('env var helpers', () => {
  it('parses booleans', () => {
    const schema = booleanVar();
    expect(['true', 'ON', '1', 'yes'].map((value) => schema.parse(value))).toEqual([
      true,
      true,
      true,
      true,
    ]);
    expect(['false', 'Off', '0', 'no'].map((value) => schema.parse(value))).toEqual([
      false,
      false,
      false,
      false,
    ]);
    expect(schema.safeParse('maybe').success).toBe(false);
  });

  it('parses integers within bounds', () => {
    const schema = intVar({ min: 1, max: 10 });
    expect(schema.parse(' 7 ')).toBe(7);
    expect(schema.safeParse('0').success).toBe(false);
    expect(schema.safeParse('1.5').success).toBe(false);
  });

  it('parses durations with and without units', () => {
    expect(parseDurationMs('250')).toBe(250);
    expect(parseDurationMs('250ms')).toBe(250);
    expect(parseDurationMs('30s')).toBe(30_000);
    expect(parseDurationMs('5m')).toBe(300_000);
    expect(parseDurationMs('1h')).toBe(3_600_000);
    expect(parseDurationMs('1d')).toBeUndefined();
    expect(durationVar({ max: 1_000 }).safeParse('2s').success).toBe(false);
  });

  it('checks URL schemes', () => {
    const schema = urlVar({ protocols: ['amqp', 'amqps'] });
    expect(schema.parse('amqps://rabbit')).toBe('amqps://rabbit');
    expect(schema.safeParse('http://rabbit').success).toBe(false);
  });

  it('works in any zod object', () => {
    const config = loadConfig(z.object({ PORT: intVar().optional() }), {});
    expect(config.PORT).toBeUndefined();
  });
});
