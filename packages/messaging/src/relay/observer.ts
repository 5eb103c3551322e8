import { Counter, Gauge, type Registry } from 'prom-client';

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
export function createRelayMetrics(registry: Registry): RelayObserver {
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
  return {
    published: ({ type }) => published.inc({ type }),
    unroutable: ({ type }) => unroutable.inc({ type }),
    checkpointed: ({ globalPosition }) => checkpoint.set(Number(globalPosition)),
  };
}
