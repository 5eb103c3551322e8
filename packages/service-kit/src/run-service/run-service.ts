import type { Registry } from 'prom-client';
import type { z } from 'zod';
import { ConfigError, loadConfig, type BaseConfig, type Env } from '../config/index.ts';
import { startHttpServer, type ReadinessCheck } from '../health/index.ts';
import { createLogger, type Logger } from '../logging/index.ts';
import {
  createHandlingMetrics,
  createMetricsRegistry,
  type HandlingObserver,
} from '../metrics/index.ts';
import { createShutdown, type Shutdown } from '../shutdown/index.ts';
import { initTelemetry } from '../telemetry/index.ts';

export interface ServiceContext<TConfig extends BaseConfig> {
  config: Readonly<TConfig>;
  /** The name the service runs as: SERVICE_NAME, or the name given in code. */
  service: string;
  logger: Logger;
  registry: Registry;
  shutdown: Shutdown;
  handlingMetrics: HandlingObserver;
  addReadinessCheck(check: ReadinessCheck): void;
}

export interface StartResult {
  readiness?: readonly ReadinessCheck[];
}

export interface RunServiceOptions<TConfig extends BaseConfig> {
  name: string;
  /** `baseConfigSchema.extend({ ... })` */
  configSchema: z.ZodType<TConfig>;
  /**
   * Wires and starts the service. Register shutdown hooks as resources open (pools first,
   * consumers last): they run in reverse. Import instrumented libraries (pg, amqplib) from here,
   * dynamically, so that tracing is already on when they load.
   */
  start: (context: ServiceContext<TConfig>) => Promise<StartResult | void>;
  env?: Env;
}

/**
 * The composition every service boots with: config, logger, telemetry, metrics, shutdown and the
 * health/metrics HTTP server, then the service's own `start`. A bad environment prints every problem
 * to stderr and exits 1; a failed start shuts down what was opened and exits 1.
 */
export async function runService<TConfig extends BaseConfig>({
  name,
  configSchema,
  start,
  env = process.env,
}: RunServiceOptions<TConfig>): Promise<void> {
  let config: Readonly<TConfig>;
  try {
    config = loadConfig(configSchema, env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${name}: ${error.message}\n`);
    process.exit(1);
  }

  const service = config.SERVICE_NAME ?? name;
  const logger = createLogger({ service, level: config.LOG_LEVEL });
  const telemetry = await initTelemetry({
    service,
    environment: config.NODE_ENV,
    otlpEndpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT,
    sentryDsn: config.SENTRY_DSN,
  });
  const shutdown = createShutdown({ logger, timeoutMs: config.SHUTDOWN_TIMEOUT_MS });
  shutdown.register('telemetry', () => telemetry.shutdown());

  process.on('uncaughtException', (error) => {
    logger.fatal({ err: error }, 'uncaught exception');
    void shutdown.run('uncaught exception', { exitCode: 1 });
  });
  process.on('unhandledRejection', (reason) => {
    logger.fatal({ err: reason }, 'unhandled promise rejection');
    void shutdown.run('unhandled rejection', { exitCode: 1 });
  });

  try {
    const registry = createMetricsRegistry(service);
    const http = await startHttpServer({
      port: config.HTTP_PORT,
      registry,
      logger,
      initiallyStarting: true,
    });
    shutdown.register('http server', () => http.close());

    const result = await start({
      config,
      service,
      logger,
      registry,
      shutdown,
      handlingMetrics: createHandlingMetrics(registry),
      addReadinessCheck: (check) => http.addReadinessCheck(check),
    });
    for (const check of result?.readiness ?? []) http.addReadinessCheck(check);
    // Registered last, so it runs first: stop attracting work before anything closes.
    shutdown.register('mark not ready', () => http.setDraining(true));
    http.markStarted();

    logger.info(
      { tracing: telemetry.tracing, errorReporting: telemetry.errorReporting, httpPort: http.port },
      'ready',
    );
  } catch (error) {
    logger.fatal({ err: error }, 'failed to start');
    await shutdown.run('start failed', { exitCode: 1 });
  }
}
