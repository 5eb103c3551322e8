import type { Channel } from 'amqplib';
import { topologyNames, type ConsumerQueueNames, type TopologyNames } from './names.ts';

export interface ConsumerTopology {
  consumer: string;
  subscription?: string;
  /** Event types or topic patterns (`identity.*`, `download.#`) this consumer handles. */
  bindings: readonly string[];
  /** Delays of the TTL wait queues, in milliseconds. */
  retryDelaysMs: readonly number[];
  /** Deliveries of one message (crashes included) before the broker dead-letters it. */
  deliveryLimit: number;
}

export interface TopologyOptions {
  prefix?: string;
  consumers?: readonly ConsumerTopology[];
}

// At-least-once dead-lettering (3.10+) makes the move from a queue to its dead-letter target
// confirmed; it requires `reject-publish` overflow.
const safeDeadLettering = {
  'x-dead-letter-strategy': 'at-least-once',
  'x-overflow': 'reject-publish',
} as const;

export function mainQueueArguments(
  names: ConsumerQueueNames,
  deadLetterExchange: string,
  deliveryLimit: number,
): Record<string, unknown> {
  return {
    'x-queue-type': 'quorum',
    'x-delivery-limit': deliveryLimit,
    'x-dead-letter-exchange': deadLetterExchange,
    'x-dead-letter-routing-key': names.deadLetterQueue,
    ...safeDeadLettering,
  };
}

export function retryQueueArguments(
  names: ConsumerQueueNames,
  delayMs: number,
): Record<string, unknown> {
  return {
    'x-queue-type': 'quorum',
    'x-message-ttl': delayMs,
    // Back to the consumer's own queue only (default exchange), not to every subscriber.
    'x-dead-letter-exchange': '',
    'x-dead-letter-routing-key': names.queue,
    ...safeDeadLettering,
  };
}

/** The exchanges every publisher and consumer relies on. Idempotent. */
export async function declareExchanges(channel: Channel, names: TopologyNames): Promise<void> {
  await channel.assertExchange(names.eventExchange, 'topic', { durable: true });
  await channel.assertExchange(names.deadLetterExchange, 'direct', { durable: true });
}

/** A consumer's queue with its bindings, its dead-letter queue and its wait queues. Idempotent. */
export async function declareConsumerQueues(
  channel: Channel,
  names: TopologyNames,
  topology: ConsumerTopology,
): Promise<ConsumerQueueNames> {
  const queues = names.consumer(topology.consumer, topology.subscription);
  await channel.assertQueue(queues.deadLetterQueue, {
    durable: true,
    arguments: { 'x-queue-type': 'quorum' },
  });
  await channel.bindQueue(queues.deadLetterQueue, names.deadLetterExchange, queues.deadLetterQueue);
  await channel.assertQueue(queues.queue, {
    durable: true,
    arguments: mainQueueArguments(queues, names.deadLetterExchange, topology.deliveryLimit),
  });
  for (const pattern of topology.bindings)
    await channel.bindQueue(queues.queue, names.eventExchange, pattern);
  for (const delayMs of new Set(topology.retryDelaysMs)) {
    await channel.assertQueue(queues.retryQueue(delayMs), {
      durable: true,
      arguments: retryQueueArguments(queues, delayMs),
    });
  }
  return queues;
}

/** Declares the exchanges and the queues of the given consumers; returns the names used. */
export async function declareTopology(
  channel: Channel,
  options: TopologyOptions = {},
): Promise<TopologyNames> {
  const names = topologyNames(options.prefix);
  await declareExchanges(channel, names);
  for (const consumer of options.consumers ?? [])
    await declareConsumerQueues(channel, names, consumer);
  return names;
}
