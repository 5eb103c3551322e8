import { Counter, Histogram, type Registry } from 'prom-client';

/** How a consumer reports each event it handles (messaging declares the same shape). */
export interface HandlingObserver {
  handled(info: {
    consumer: string;
    type: string;
    durationSeconds: number;
    lagSeconds: number;
  }): void;
  failed(info: { consumer: string; type: string; code: string; willRetry: boolean }): void;
  deadLettered(info: { consumer: string; type: string; reason: string }): void;
}

/** 1 ms to 60 s: fast projections and slow downloads both land in a bucket of their own. */
export const HANDLING_BUCKETS_SECONDS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
];

export function createHandlingMetrics(registry: Registry): HandlingObserver {
  const registers = [registry];
  const handledTotal = new Counter({
    name: 'mediabot_events_handled_total',
    help: 'Events a consumer handled successfully.',
    labelNames: ['consumer', 'type'],
    registers,
  });
  const failedTotal = new Counter({
    name: 'mediabot_events_failed_total',
    help: 'Event handling attempts that failed, by error code and whether they will be retried.',
    labelNames: ['consumer', 'type', 'code', 'will_retry'],
    registers,
  });
  const deadLetteredTotal = new Counter({
    name: 'mediabot_events_dead_lettered_total',
    help: 'Events given up on and sent to the dead-letter queue.',
    labelNames: ['consumer', 'type'],
    registers,
  });
  const handlingDuration = new Histogram({
    name: 'mediabot_event_handling_duration_seconds',
    help: 'Time spent handling one event.',
    labelNames: ['consumer', 'type'],
    buckets: HANDLING_BUCKETS_SECONDS,
    registers,
  });
  const lag = new Histogram({
    name: 'mediabot_event_lag_seconds',
    help: 'Time from an event occurring to a consumer finishing with it.',
    labelNames: ['consumer', 'type'],
    buckets: HANDLING_BUCKETS_SECONDS,
    registers,
  });

  return {
    handled({ consumer, type, durationSeconds, lagSeconds }) {
      handledTotal.inc({ consumer, type });
      handlingDuration.observe({ consumer, type }, durationSeconds);
      // Clocks of different hosts drift: a negative lag means "no measurable lag".
      lag.observe({ consumer, type }, Math.max(0, lagSeconds));
    },
    failed({ consumer, type, code, willRetry }) {
      failedTotal.inc({ consumer, type, code, will_retry: String(willRetry) });
    },
    deadLettered({ consumer, type }) {
      // The reason is free text: it belongs in the log, not in a label.
      deadLetteredTotal.inc({ consumer, type });
    },
  };
}
