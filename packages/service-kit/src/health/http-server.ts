import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { Logger } from '../logging/index.ts';
import type { ReadinessCheck } from './readiness-checks.ts';

export interface HttpServerOptions {
  port: number;
  host?: string;
  readiness?: readonly ReadinessCheck[];
  registry: Registry;
  logger: Logger;
  /** Longest one readiness check may take before it counts as failed. */
  checkTimeoutMs?: number;
  /** /readyz answers 503 `starting` until markStarted() (a service booting is not ready). */
  initiallyStarting?: boolean;
}

export interface HttpServer {
  /** The bound port (useful when asked for port 0). */
  readonly port: number;
  addReadinessCheck(check: ReadinessCheck): void;
  /** While draining, /readyz answers 503 so traffic and new work go elsewhere. */
  setDraining(draining: boolean): void;
  /** Until called, /readyz answers 503 `starting`: a service is not ready while it still boots. */
  markStarted(): void;
  close(): Promise<void>;
}

type CheckResult =
  { ok: true; durationMs: number } | { ok: false; durationMs: number; error: string };

async function runCheck(check: ReadinessCheck, timeoutMs: number): Promise<CheckResult> {
  const startedAt = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([check.check(), timeout]);
    return { ok: true, durationMs: Math.round(performance.now() - startedAt) };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, durationMs: Math.round(performance.now() - startedAt), error: message };
  } finally {
    clearTimeout(timer);
  }
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  response.end(JSON.stringify(body));
}

/** Serves /healthz (alive), /readyz (dependencies answer) and /metrics (Prometheus). */
export async function startHttpServer({
  port,
  host = '0.0.0.0',
  readiness = [],
  registry,
  logger,
  checkTimeoutMs = 2_000,
  initiallyStarting = false,
}: HttpServerOptions): Promise<HttpServer> {
  const checks = [...readiness];
  let draining = false;
  let started = !initiallyStarting;

  async function readyz(response: ServerResponse): Promise<void> {
    if (!started) return sendJson(response, 503, { status: 'starting' });
    if (draining) return sendJson(response, 503, { status: 'draining' });
    const results = await Promise.all(checks.map((check) => runCheck(check, checkTimeoutMs)));
    const byName = Object.fromEntries(checks.map((check, index) => [check.name, results[index]]));
    const failures = checks.filter((_, index) => !results[index]?.ok).map((check) => check.name);
    if (failures.length > 0) {
      logger.warn({ failures, checks: byName }, 'not ready');
      return sendJson(response, 503, { status: 'not_ready', failures, checks: byName });
    }
    sendJson(response, 200, { status: 'ready', checks: byName });
  }

  async function metrics(response: ServerResponse): Promise<void> {
    const body = await registry.metrics();
    response.writeHead(200, { 'content-type': registry.contentType });
    response.end(body);
  }

  async function route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return sendJson(response, 405, { error: 'method not allowed' });
    }
    switch (path) {
      case '/healthz':
        return sendJson(response, 200, { status: 'alive' });
      case '/readyz':
        return readyz(response);
      case '/metrics':
        return metrics(response);
      default:
        return sendJson(response, 404, { error: 'not found' });
    }
  }

  const server = createServer((request, response) => {
    route(request, response).catch((error: unknown) => {
      logger.error({ err: error, url: request.url }, 'http request failed');
      if (!response.headersSent) sendJson(response, 500, { error: 'internal error' });
      else response.destroy();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const boundPort = (server.address() as AddressInfo).port;
  logger.info({ port: boundPort, host }, 'http server listening');

  return {
    port: boundPort,
    addReadinessCheck(check) {
      checks.push(check);
    },
    setDraining(value) {
      draining = value;
    },
    markStarted() {
      started = true;
    },
    close() {
      return new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeIdleConnections();
      });
    },
  };
}
