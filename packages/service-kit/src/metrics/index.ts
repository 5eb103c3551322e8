export {
  createHandlingMetrics,
  HANDLING_BUCKETS_SECONDS,
  type HandlingObserver,
} from './handling-metrics.ts';
export { createMetricsRegistry } from './metrics-registry.ts';
export type { Registry } from 'prom-client';
