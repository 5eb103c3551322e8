import { trace } from '@opentelemetry/api';
import { createServer, get } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { initTelemetry, type SpanExporter } from './init-telemetry.ts';
import { injectTraceContext, startSpan, withExtractedContext } from './propagation.ts';

type ExportedSpan = Parameters<SpanExporter['export']>[0][number];

function collectingExporter() {
  const spans: ExportedSpan[] = [];
  const exporter: SpanExporter = {
    export(batch, done) {
      spans.push(...batch);
      done({ code: 0 });
    },
    shutdown: () => Promise.resolve(),
  };
  return { exporter, spans };
}

// The OpenTelemetry API is process-global: the "off" case must run before the SDK is started.
describe('telemetry', () => {
  it('stays off without an endpoint or DSN, and propagation is a no-op', async () => {
    const telemetry = await initTelemetry({ service: 'quota', environment: 'test' });
    expect(telemetry).toMatchObject({ tracing: false, errorReporting: false });
    await startSpan('work', () => Promise.resolve(expect(injectTraceContext()).toEqual({})));
    await telemetry.shutdown();
  });

  it('round-trips a W3C traceparent from one span to a child in another context', async () => {
    const { exporter, spans } = collectingExporter();
    const telemetry = await initTelemetry({
      service: 'quota',
      environment: 'test',
      traceExporter: exporter,
    });
    expect(telemetry.tracing).toBe(true);

    const carried = await startSpan('publish', () => Promise.resolve(injectTraceContext()));
    expect(carried.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);

    const [, traceId, parentSpanId] = carried.traceparent?.split('-') ?? [];
    const seenInside = await withExtractedContext(carried, () =>
      startSpan('handle', (span) => Promise.resolve(span.spanContext())),
    );
    expect(seenInside.traceId).toBe(traceId);
    expect(trace.getActiveSpan()).toBeUndefined();

    // node:http was imported (as ESM) before the SDK started: its named exports are patched anyway.
    const server = createServer((_request, response) => response.end('ok')).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as AddressInfo;
    await startSpan(
      'call',
      () =>
        new Promise((resolve) =>
          get(`http://127.0.0.1:${port}/`, (response) => response.resume().on('end', resolve)),
        ),
    );
    await new Promise((resolve) => server.close(resolve));

    await expect(startSpan('fails', () => Promise.reject(new Error('nope')))).rejects.toThrow(
      'nope',
    );
    await telemetry.shutdown();

    const byName = Object.fromEntries(spans.map((span) => [span.name, span]));
    expect(spans.map((span) => span.name).sort()).toEqual([
      'GET',
      'GET',
      'call',
      'fails',
      'handle',
      'publish',
    ]);
    const callTraceId = byName['call']?.spanContext().traceId;
    expect(
      spans.filter((span) => span.name === 'GET').map((span) => span.spanContext().traceId),
    ).toEqual([callTraceId, callTraceId]);
    expect(byName['handle']?.parentSpanContext?.spanId).toBe(parentSpanId);
    expect(byName['handle']?.resource.attributes['service.name']).toBe('quota');
    expect(byName['fails']?.status.code).toBe(2);
  });

  it('ignores a missing or empty trace context', () => {
    expect(withExtractedContext(undefined, () => trace.getActiveSpan())).toBeUndefined();
    expect(withExtractedContext({}, () => 42)).toBe(42);
  });
});
