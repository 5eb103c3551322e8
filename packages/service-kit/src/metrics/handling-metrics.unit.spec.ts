import { describe, expect, it } from 'vitest';
import type { MetricValueWithName, Registry } from 'prom-client';
import { createHandlingMetrics } from './handling-metrics.ts';
import { createMetricsRegistry } from './metrics-registry.ts';

/** The value of the one sample of `name` carrying all these labels (histogram buckets by `le`). */
async function sampleValue(registry: Registry, name: string, labels: Record<string, string>) {
  const metric = await registry.getSingleMetric(name)?.get();
  const values: MetricValueWithName<string>[] = metric?.values ?? [];
  const matching = values.filter(
    (value) =>
      (!('le' in labels) || value.metricName === `${name}_bucket`) &&
      Object.entries(labels).every(([key, expected]) => String(value.labels[key]) === expected),
  );
  expect(matching).toHaveLength(1);
  return matching[0]?.value;
}

describe('metrics', () => {
  it('exposes default process metrics labelled with the service', async () => {
    const registry = createMetricsRegistry('quota');
    const text = await registry.metrics();
    expect(text).toMatch(/^process_cpu_user_seconds_total\{service="quota"\} /m);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds\{service="quota"\} /m);
  });

  it('counts handled, failed and dead-lettered events and observes duration and lag', async () => {
    const registry = createMetricsRegistry('quota');
    const observer = createHandlingMetrics(registry);
    const event = { consumer: 'quota.usage', type: 'downloader.download-finished' };

    observer.handled({ ...event, durationSeconds: 0.004, lagSeconds: 1.5 });
    observer.handled({ ...event, durationSeconds: 0.02, lagSeconds: -0.1 });
    observer.failed({ ...event, code: 'db_unavailable', willRetry: true });
    observer.deadLettered({ ...event, reason: 'invalid_payload: data.userId missing' });

    const sample = (name: string, labels: Record<string, string> = {}) =>
      sampleValue(registry, name, { ...event, ...labels });
    expect(await sample('mediabot_events_handled_total')).toBe(2);
    expect(
      await sample('mediabot_events_failed_total', { code: 'db_unavailable', will_retry: 'true' }),
    ).toBe(1);
    expect(await sample('mediabot_events_dead_lettered_total')).toBe(1);
    expect(await sample('mediabot_event_handling_duration_seconds', { le: '0.005' })).toBe(1);
    expect(await sample('mediabot_event_handling_duration_seconds', { le: '0.025' })).toBe(2);
    expect(await sample('mediabot_event_lag_seconds', { le: '0.001' })).toBe(1);
    expect(await sample('mediabot_event_lag_seconds', { le: '60' })).toBe(2);
    expect(await registry.metrics()).toMatch(
      /^mediabot_events_handled_total\{[^}]*service="quota"[^}]*\} 2$/m,
    );
  });

  it('keeps registries of different services apart', async () => {
    createHandlingMetrics(createMetricsRegistry('a'));
    const other = createMetricsRegistry('b');
    createHandlingMetrics(other);
    expect(await other.metrics()).not.toContain('service="a"');
  });
});
