import { createServer, type Server } from 'node:http';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { describeError } from '@mediabot/contracts';
import { migrateEventStore } from '@mediabot/eventstore';
import { jsonLineLogger } from '../shared/json-logger.ts';
import type { MessagingLogger } from '../shared/logger.ts';
import { loadRelayConfig, type RelayConfig } from './config.ts';
import { startLogHealthSampler } from './log-health.ts';
import { createRelayMetrics } from './observer.ts';
import { startRelay, type Relay, type RelayHooks } from './relay.ts';

/** Deployable relay process: `node packages/messaging/src/relay/main.ts`. */
async function main(): Promise<void> {
  const config = loadRelayConfig(process.env);
  const logger = jsonLineLogger((line) => process.stdout.write(line), config.LOG_LEVEL);
  const pool = new pg.Pool({
    connectionString: config.DATABASE_URL,
    max: 4,
    application_name: 'mediabot-relay',
  });
  pool.on('error', (error) =>
    logger.warn({ error: error.message }, 'Idle database connection failed'),
  );
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the relay reads the store's schema only
  const db = new Kysely<any>({ dialect: new PostgresDialect({ pool }) });
  const metrics = new Registry();
  collectDefaultMetrics({ register: metrics });
  // The relay may start before any service: the log it reads must exist (idempotent, locked).
  await migrateEventStore(db);

  const observer = createRelayMetrics(metrics);
  const sampler = startLogHealthSampler({
    db,
    intervalMs: config.RELAY_SAMPLE_INTERVAL_MS,
    logger,
    observer,
  });
  const relay = startRelay({
    db,
    databaseUrl: config.DATABASE_URL,
    amqp: config.RABBITMQ_URL,
    prefix: config.RABBITMQ_PREFIX,
    checkpointSchema: config.RELAY_CHECKPOINT_SCHEMA,
    confirmWindow: config.RELAY_CONFIRM_WINDOW,
    batchSize: config.RELAY_BATCH_SIZE,
    pollIntervalMs: config.RELAY_POLL_INTERVAL_MS,
    logger,
    observer,
    hooks: faultHooks(config, logger),
  });
  const server =
    config.HTTP_PORT === undefined
      ? undefined
      : await serveHealth(config.HTTP_PORT, relay, metrics);
  logger.info({ prefix: config.RABBITMQ_PREFIX }, 'Relay started');

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'Relay stopping');
    await Promise.all([relay.stop(), sampler.stop()]);
    server?.close();
    await db.destroy();
    logger.info({}, 'Relay stopped');
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

function faultHooks(config: RelayConfig, logger: MessagingLogger): RelayHooks {
  const die = (point: string) => {
    logger.warn({ point }, 'Fault injection: killing the relay');
    process.kill(process.pid, 'SIGKILL');
  };
  switch (config.RELAY_FAULT) {
    case undefined:
      return {};
    case 'kill-after-publish':
      return { afterPublish: () => die('after-publish') };
    case 'kill-before-checkpoint':
      return { beforeCheckpoint: () => die('before-checkpoint') };
  }
}

function serveHealth(port: number, relay: Relay, metrics: Registry): Promise<Server> {
  const server = createServer((request, response) => {
    const reply = (status: number, body: string, type = 'text/plain') => {
      response.writeHead(status, { 'content-type': type }).end(body);
    };
    if (request.url === '/healthz') return reply(200, 'ok');
    if (request.url === '/readyz')
      return relay.isConnected() || !relay.isActive()
        ? reply(200, 'ready')
        : reply(503, 'not connected');
    if (request.url === '/metrics') {
      metrics.metrics().then(
        (body) => reply(200, body, metrics.contentType),
        () => reply(500, 'metrics failed'),
      );
      return undefined;
    }
    return reply(404, 'not found');
  });
  return new Promise((resolve) => server.listen(port, () => resolve(server)));
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${JSON.stringify({ level: 60, msg: 'Relay failed to start', error: describeError(error) })}\n`,
  );
  process.exit(1);
});
