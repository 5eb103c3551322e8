import { connect } from 'amqplib';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { answers } from './service-urls.ts';
import { spawnNode } from './spawn-node.ts';
import { startPrivateRabbit, type PrivateRabbit } from './private-rabbit.ts';

describe('private RabbitMQ node', () => {
  let rabbit: PrivateRabbit | undefined;
  beforeAll(async () => {
    rabbit = await startPrivateRabbit();
  });
  afterAll(async () => {
    await rabbit?.destroy();
  });

  it('runs apart from the shared broker', () => {
    expect(new URL(rabbit!.url).port).not.toBe('5672');
  });

  it('really stops, and keeps a durable quorum queue message across stop and start', async () => {
    const broker = rabbit!;
    const queue = 'survives-restart';
    const before = await connect(broker.url);
    const publishing = await before.createConfirmChannel();
    await publishing.assertQueue(queue, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
    publishing.sendToQueue(queue, Buffer.from('still here'), { persistent: true });
    await publishing.waitForConfirms();
    await before.close();

    await broker.stop();
    await expect(connect(broker.url)).rejects.toThrow(/ECONNREFUSED/);
    await broker.start();

    const after = await connect(broker.url);
    try {
      const reading = await after.createChannel();
      const message = await reading.get(queue, { noAck: true });
      expect(message && message.content.toString()).toBe('still here');
    } finally {
      await after.close();
    }
  });

  it('does not outlive the process that started it', async () => {
    const starter = spawnNode(
      fileURLToPath(new URL('./fixtures/starts-rabbit-and-exits.ts', import.meta.url)),
      {},
    );
    const url = (await starter.waitForLine(/^rabbit /, 90_000)).split(' ')[1]!;
    await starter.exited;
    await vi.waitFor(async () => expect(await answers(url)).toBe(false), { timeout: 10_000 });
  });
});
