import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import amqp, { type ChannelModel } from 'amqplib';
import { createTestVhost, type TestVhost } from '@mediabot/testing';
import { declareTopology, type ConsumerTopology } from './declare.ts';

let vhost: TestVhost;
let connection: ChannelModel;

beforeAll(async () => {
  vhost = await createTestVhost();
  connection = await amqp.connect(vhost.url);
});

afterAll(async () => {
  await connection?.close();
  await vhost?.remove();
});

const downloader: ConsumerTopology = {
  consumer: 'downloader',
  bindings: ['identity.*', 'download.requested'],
  retryDelaysMs: [1000, 4000, 4000],
  deliveryLimit: 5,
};
const billing: ConsumerTopology = {
  consumer: 'billing',
  bindings: ['billing.#'],
  retryDelaysMs: [1000],
  deliveryLimit: 5,
};

/** Re-declaring a queue as classic fails with 406 exactly when the broker holds it as a quorum queue. */
async function isQuorum(queue: string): Promise<boolean> {
  const channel = await connection.createChannel();
  channel.on('error', () => {});
  try {
    await channel.assertQueue(queue, { durable: true, arguments: { 'x-queue-type': 'classic' } });
    await channel.close();
    return false;
  } catch (error) {
    return (error as { code?: number }).code === 406;
  }
}

describe('declareTopology', () => {
  it('declares exchanges and per-consumer quorum queues, idempotently', async () => {
    const channel = await connection.createChannel();
    const names = await declareTopology(channel, {
      prefix: 'topo',
      consumers: [downloader, billing],
    });
    await declareTopology(channel, { prefix: 'topo', consumers: [downloader, billing] });
    await channel.close();

    expect(names.eventExchange).toBe('topo.events');
    const queues = names.consumer('downloader');
    const all = [
      queues.queue,
      queues.deadLetterQueue,
      queues.retryQueue(1000),
      queues.retryQueue(4000),
    ];
    for (const queue of all) expect(await isQuorum(queue)).toBe(true);
  });

  it('routes by event type through the bindings, and dead letters through the DLX to the right DLQ', async () => {
    const channel = await connection.createConfirmChannel();
    const names = await declareTopology(channel, {
      prefix: 'topo',
      consumers: [downloader, billing],
    });
    const publish = (exchange: string, routingKey: string) =>
      new Promise<void>((resolve, reject) =>
        channel.publish(exchange, routingKey, Buffer.from('{}'), {}, (error) =>
          error ? reject(new Error('nack')) : resolve(),
        ),
      );
    await publish(names.eventExchange, 'identity.user-registered');
    await publish(names.eventExchange, 'billing.payment.succeeded');
    await publish(names.deadLetterExchange, names.consumer('billing').deadLetterQueue);

    const count = async (queue: string) => (await channel.checkQueue(queue)).messageCount;
    expect(await count(names.consumer('downloader').queue)).toBe(1);
    expect(await count(names.consumer('billing').queue)).toBe(1);
    expect(await count(names.consumer('billing').deadLetterQueue)).toBe(1);
    expect(await count(names.consumer('downloader').deadLetterQueue)).toBe(0);
    await channel.close();
  });
});
