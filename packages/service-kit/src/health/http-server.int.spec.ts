import { Redis } from 'ioredis';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../logging/index.ts';
import { createHandlingMetrics, createMetricsRegistry } from '../metrics/index.ts';
import { startHttpServer, type HttpServer } from './http-server.ts';
import { postgresCheck, rabbitCheck, redisCheck, type ReadinessCheck } from './readiness-checks.ts';

const databaseUrl = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const redisUrl = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';

describe('health HTTP server', () => {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  const kysely = new Kysely<{ users: { id: string } }>({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: databaseUrl, max: 1 }) }),
  });
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  const logger = createLogger({ service: 'health-test', level: 'silent' });
  const registry = createMetricsRegistry('health-test');
  createHandlingMetrics(registry).handled({
    consumer: 'c',
    type: 't',
    durationSeconds: 0.01,
    lagSeconds: 0.1,
  });
  let rabbitConnected = true;
  let server: HttpServer;

  const get = async (path: string) => {
    const response = await fetch(`http://127.0.0.1:${server.port}${path}`);
    return {
      status: response.status,
      type: response.headers.get('content-type'),
      text: await response.text(),
    };
  };

  beforeAll(async () => {
    await redis.connect();
    server = await startHttpServer({
      port: 0,
      host: '127.0.0.1',
      registry,
      logger,
      readiness: [
        postgresCheck(pool),
        postgresCheck(kysely, 'postgres-kysely'),
        redisCheck(redis),
        rabbitCheck(() => rabbitConnected),
      ],
      checkTimeoutMs: 500,
    });
  });

  afterAll(async () => {
    await server.close();
    await Promise.all([pool.end(), kysely.destroy(), redis.quit()]);
  });

  it('answers /healthz while the process is alive', async () => {
    expect(await get('/healthz')).toMatchObject({ status: 200, text: '{"status":"alive"}' });
  });

  it('answers /readyz with every check when all dependencies answer', async () => {
    const { status, text } = await get('/readyz');
    expect(status).toBe(200);
    expect(JSON.parse(text)).toMatchObject({
      status: 'ready',
      checks: {
        postgres: { ok: true },
        'postgres-kysely': { ok: true },
        redis: { ok: true },
        rabbitmq: { ok: true },
      },
    });
  });

  it('answers 503 listing the failing checks, including ones that hang', async () => {
    rabbitConnected = false;
    const hanging: ReadinessCheck = { name: 'hanging', check: () => new Promise(() => {}) };
    const unreachable = new pg.Pool({
      connectionString: 'postgres://postgres@127.0.0.1:1/postgres',
    });
    server.addReadinessCheck(hanging);
    server.addReadinessCheck(postgresCheck(unreachable, 'unreachable-postgres'));
    try {
      const { status, text } = await get('/readyz');
      const body = JSON.parse(text) as {
        status: string;
        failures: string[];
        checks: Record<string, unknown>;
      };
      expect(status).toBe(503);
      expect(body.status).toBe('not_ready');
      expect(body.failures.sort()).toEqual(['hanging', 'rabbitmq', 'unreachable-postgres']);
      expect(body.checks['hanging']).toMatchObject({ ok: false, error: 'timed out after 500 ms' });
      expect(body.checks['rabbitmq']).toMatchObject({
        ok: false,
        error: 'not connected to RabbitMQ',
      });
      expect(body.checks['postgres']).toMatchObject({ ok: true });
    } finally {
      await unreachable.end();
    }
  });

  it('serves Prometheus metrics with the right content type', async () => {
    const { status, type, text } = await get('/metrics');
    expect(status).toBe(200);
    expect(type).toBe(registry.contentType);
    expect(text).toContain('mediabot_events_handled_total{');
    expect(text).toContain('process_cpu_user_seconds_total');
  });

  it('answers 404 elsewhere', async () => {
    expect((await get('/nope')).status).toBe(404);
  });

  it('answers 503 on /readyz while draining, and stays alive', async () => {
    server.setDraining(true);
    expect(await get('/readyz')).toMatchObject({ status: 503, text: '{"status":"draining"}' });
    expect((await get('/healthz')).status).toBe(200);
  });

  it('answers 503 starting on /readyz until the service marks itself started', async () => {
    const booting = await startHttpServer({
      port: 0,
      host: '127.0.0.1',
      registry,
      logger,
      initiallyStarting: true,
    });
    const readyz = () =>
      fetch(`http://127.0.0.1:${booting.port}/readyz`).then(async (r) => ({
        status: r.status,
        text: await r.text(),
      }));
    expect(await readyz()).toEqual({ status: 503, text: '{"status":"starting"}' });
    booting.markStarted();
    expect((await readyz()).status).toBe(200);
    await booting.close();
  });
});
