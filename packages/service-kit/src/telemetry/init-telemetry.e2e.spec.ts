import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const probe = fileURLToPath(new URL('./fixtures/loaded-packages.ts', import.meta.url));

async function loadedPackages(env: Record<string, string>) {
  const { stdout } = await promisify(execFile)(process.execPath, [probe], {
    env: { PATH: process.env['PATH'] ?? '', ...env },
  });
  return JSON.parse(stdout) as { tracing: boolean; errorReporting: boolean; loaded: string[] };
}

// The SDKs cost every service ~46 MiB of RSS when loaded (docs/benchmarks.md §4.4).
describe('initTelemetry', () => {
  it('loads neither the OpenTelemetry SDK nor Sentry when neither is configured', async () => {
    expect(await loadedPackages({})).toEqual({
      tracing: false,
      errorReporting: false,
      loaded: ['@opentelemetry/api'],
    });
  });

  it('loads the OpenTelemetry SDK only for tracing, and Sentry only for error reporting', async () => {
    const tracing = await loadedPackages({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' });
    expect(tracing).toMatchObject({ tracing: true, errorReporting: false });
    expect(tracing.loaded).toContain('@opentelemetry/sdk-node');
    expect(tracing.loaded).not.toContain('@sentry/node');

    const errorReporting = await loadedPackages({ SENTRY_DSN: 'http://key@127.0.0.1:9/1' });
    expect(errorReporting).toMatchObject({ tracing: false, errorReporting: true });
    expect(errorReporting.loaded).toContain('@sentry/node');
    expect(errorReporting.loaded).not.toContain('@opentelemetry/sdk-node');
  });
});
