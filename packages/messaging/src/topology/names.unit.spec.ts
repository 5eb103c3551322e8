import { describe, expect, it } from 'vitest';
import { consumerIdentity, topologyNames } from './names.ts';

describe('topologyNames', () => {
  it('derives every name from the prefix', () => {
    const names = topologyNames('mediabot');
    expect(names.eventExchange).toBe('mediabot.events');
    expect(names.deadLetterExchange).toBe('mediabot.dlx');
    const queues = names.consumer('downloader');
    expect(queues.queue).toBe('mediabot.downloader');
    expect(queues.deadLetterQueue).toBe('mediabot.downloader.dlq');
    expect(queues.retryQueue(4000)).toBe('mediabot.downloader.retry.4000');
  });

  it('gives a subscription its own queues', () => {
    expect(topologyNames('t').consumer('notifier', 'digest').queue).toBe('t.notifier.digest');
    expect(consumerIdentity('notifier', 'digest')).toBe('notifier.digest');
    expect(consumerIdentity('notifier')).toBe('notifier');
  });

  it('defaults the prefix and refuses names that would break the dotted scheme', () => {
    expect(topologyNames().eventExchange).toBe('mediabot.events');
    expect(() => topologyNames('Media.Bot')).toThrow(RangeError);
    expect(() => topologyNames('p').consumer('a.b')).toThrow(RangeError);
    expect(() => topologyNames('p').consumer('a').retryQueue(0)).toThrow(RangeError);
  });
});
