import type { NodeSDKConfiguration } from '@opentelemetry/sdk-node';
import { createRequire, syncBuiltinESMExports } from 'node:module';

export type SpanExporter = NodeSDKConfiguration['traceExporter'];

export interface TelemetryOptions {
  service: string;
  environment: string;
  /** OTLP/HTTP base URL (e.g. http://otel-collector:4318); tracing is off without it. */
  otlpEndpoint?: string | undefined;
  /** Error reporting is off without it. */
  sentryDsn?: string | undefined;
  /** Replaces the OTLP exporter (tests); turns tracing on by itself. */
  traceExporter?: SpanExporter;
}

export interface Telemetry {
  readonly tracing: boolean;
  readonly errorReporting: boolean;
  /** Flushes what is buffered and stops; safe to call when both are off. */
  shutdown(): Promise<void>;
}

const SENTRY_FLUSH_TIMEOUT_MS = 2_000;

/**
 * Starts tracing and error reporting when they are configured, and nothing otherwise.
 * Call it before the instrumented libraries (pg, amqplib) are loaded: a service's main module
 * should import its wiring dynamically, after `runService` has awaited this.
 *
 * The OpenTelemetry SDK and Sentry are imported here, only when configured: loaded statically
 * they cost every service ~46 MiB of RSS with both off (docs/benchmarks.md §4.4).
 */
export async function initTelemetry(options: TelemetryOptions): Promise<Telemetry> {
  const sdk =
    options.traceExporter || options.otlpEndpoint ? await startTracing(options) : undefined;
  const sentry = options.sentryDsn
    ? await startErrorReporting(options, options.sentryDsn)
    : undefined;

  return {
    tracing: sdk !== undefined,
    errorReporting: sentry !== undefined,
    async shutdown() {
      await Promise.all([sdk?.shutdown(), sentry?.close(SENTRY_FLUSH_TIMEOUT_MS)]);
    },
  };
}

async function startTracing({
  service,
  environment,
  otlpEndpoint,
  traceExporter,
}: TelemetryOptions) {
  const [
    { OTLPTraceExporter },
    { AmqplibInstrumentation },
    { HttpInstrumentation },
    { PgInstrumentation },
    { resourceFromAttributes },
    { NodeSDK },
    { ATTR_DEPLOYMENT_ENVIRONMENT_NAME, ATTR_SERVICE_NAME },
  ] = await Promise.all([
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/instrumentation-amqplib'),
    import('@opentelemetry/instrumentation-http'),
    import('@opentelemetry/instrumentation-pg'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/sdk-node'),
    import('@opentelemetry/semantic-conventions'),
  ]);

  const sdk = new NodeSDK({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: service,
      [ATTR_DEPLOYMENT_ENVIRONMENT_NAME]: environment,
    }),
    traceExporter:
      traceExporter ??
      new OTLPTraceExporter({
        url: new URL('v1/traces', withTrailingSlash(otlpEndpoint ?? '')).href,
      }),
    metricReaders: [], // metrics go to Prometheus through prom-client
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (request) =>
          /^\/(healthz|readyz|metrics)\b/.test(request.url ?? ''),
      }),
      new PgInstrumentation(),
      new AmqplibInstrumentation(),
    ],
  });
  sdk.start();
  // The http instrumentation patches node:http when it is required, and only its CommonJS
  // exports: require it now, then copy the patched functions to the ESM named exports.
  const require = createRequire(import.meta.url);
  require('node:http');
  require('node:https');
  syncBuiltinESMExports();
  return sdk;
}

async function startErrorReporting({ service, environment }: TelemetryOptions, sentryDsn: string) {
  const Sentry = await import('@sentry/node');
  // Sentry keeps out of OpenTelemetry (its default): our own SDK above owns the tracer provider.
  Sentry.init({
    dsn: sentryDsn,
    environment,
    serverName: service,
    initialScope: { tags: { service } },
  });
  return Sentry;
}

function withTrailingSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}
