import { collectDefaultMetrics, Registry } from 'prom-client';

/** A registry of this service's own, with process metrics and `service` on every series. */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}
