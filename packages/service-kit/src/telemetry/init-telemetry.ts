import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { AmqplibInstrumentation } from '@opentelemetry/instrumentation-amqplib';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK, type NodeSDKConfiguration } from '@opentelemetry/sdk-node';
import {
  ATTR_DEPLOYMENT_ENVIRONMENT_NAME,
  ATTR_SERVICE_NAME,
} from '@opentelemetry/semantic-conventions';
import * as Sentry from '@sentry/node';
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
 * should import its wiring dynamically, after `runService` has called this.
 */
export function initTelemetry({
  service,
  environment,
  otlpEndpoint,
  sentryDsn,
  traceExporter,
}: TelemetryOptions): Telemetry {
  const exporter =
    traceExporter ??
    (otlpEndpoint
      ? new OTLPTraceExporter({ url: new URL('v1/traces', withTrailingSlash(otlpEndpoint)).href })
      : undefined);

  const sdk = exporter
    ? new NodeSDK({
        resource: resourceFromAttributes({
          [ATTR_SERVICE_NAME]: service,
          [ATTR_DEPLOYMENT_ENVIRONMENT_NAME]: environment,
        }),
        traceExporter: exporter,
        metricReaders: [], // metrics go to Prometheus through prom-client
        instrumentations: [
          new HttpInstrumentation({
            ignoreIncomingRequestHook: (request) =>
              /^\/(healthz|readyz|metrics)\b/.test(request.url ?? ''),
          }),
          new PgInstrumentation(),
          new AmqplibInstrumentation(),
        ],
      })
    : undefined;
  if (sdk) {
    sdk.start();
    // The http instrumentation patches node:http when it is required, and only its CommonJS
    // exports: require it now, then copy the patched functions to the ESM named exports.
    const require = createRequire(import.meta.url);
    require('node:http');
    require('node:https');
    syncBuiltinESMExports();
  }

  if (sentryDsn) {
    // Sentry keeps out of OpenTelemetry (its default): our own SDK above owns the tracer provider.
    Sentry.init({
      dsn: sentryDsn,
      environment,
      serverName: service,
      initialScope: { tags: { service } },
    });
  }

  return {
    tracing: sdk !== undefined,
    errorReporting: sentryDsn !== undefined,
    async shutdown() {
      await Promise.all([
        sdk?.shutdown(),
        sentryDsn ? Sentry.close(SENTRY_FLUSH_TIMEOUT_MS) : undefined,
      ]);
    },
  };
}

function withTrailingSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}
