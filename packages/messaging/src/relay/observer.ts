import { Counter, Gauge, type Registry } from 'prom-client';
import type { LogHealthObserver } from './log-health.ts';

export interface RelayObserver {
  published(info: { type: string }): void;
  /** The broker returned a mandatory message: no queue is bound for its type. */
  unroutable(info: { type: string; messageId: string | undefined }): void;
  checkpointed(info: { globalPosition: bigint }): void;
}

export const silentRelayObserver: RelayObserver = {
  published: () => {},
  unroutable: () => {},
  checkpointed: () => {},
};

/** Prometheus metrics for the relay, registered on `registry`. */
export function createRelayMetrics(registry: Registry): RelayObserver & LogHealthObserver {
  const published = new Counter({
    name: 'mediabot_relay_published_total',
    help: 'Events published to RabbitMQ by the relay (republications after a crash included)',
    labelNames: ['type'],
    registers: [registry],
  });
  const unroutable = new Counter({
    name: 'mediabot_relay_unroutable_total',
    help: 'Events the broker returned because no queue was bound for their type',
    labelNames: ['type'],
    registers: [registry],
  });
  const checkpoint = new Gauge({
    name: 'mediabot_relay_checkpoint_position',
    help: 'Global position of the last event whose publication is confirmed and checkpointed',
    registers: [registry],
  });
  const head = new Gauge({
    name: 'mediabot_eventstore_head_position',
    help: 'Highest committed global position in the event log (committed rows, not the xmin-limited head readers see)',
    registers: [registry],
  });
  const oldestTransaction = new Gauge({
    name: 'mediabot_eventstore_oldest_transaction_seconds',
    help: 'Age of the oldest open transaction with a transaction id on the PostgreSQL server (0 when none); readers of the event log wait for it',
    registers: [registry],
  });
  return {
    published: ({ type }) => published.inc({ type }),
    unroutable: ({ type }) => unroutable.inc({ type }),
    checkpointed: ({ globalPosition }) => checkpoint.set(Number(globalPosition)),
    sampled: ({ headPosition, oldestTransaction: oldest }) => {
      head.set(Number(headPosition));
      oldestTransaction.set(oldest?.seconds ?? 0);
    },
  };
}
