import { describe, expect, it } from 'vitest';
import type { Message } from '../bot-api/types.ts';
import { readAllowedUpdates, UpdateQueue } from './update-queue.ts';

const message = (text: string): Message => ({
  message_id: 1,
  date: 0,
  chat: { id: 1, type: 'private' },
  text,
});

function queueWith(count: number, now = { value: 0 }): UpdateQueue {
  const queue = new UpdateQueue({ now: () => now.value }, 100);
  for (let index = 0; index < count; index += 1) {
    queue.push('message', message(`m${index}`), { orderingKey: 'chat:1', ttlSeconds: 86_400 });
  }
  return queue;
}

const ids = (items: { id: number }[]): number[] => items.map((item) => item.id);

describe('update queue offsets', () => {
  it('returns unconfirmed updates until an offset above them confirms them', () => {
    const queue = queueWith(3);
    expect(ids(queue.readForPolling(0, 100))).toEqual([100, 101, 102]);
    expect(ids(queue.readForPolling(0, 100))).toEqual([100, 101, 102]);
    expect(ids(queue.readForPolling(102, 100))).toEqual([102]);
    expect(ids(queue.readForPolling(0, 100))).toEqual([102]);
    expect(queue.pendingCount()).toBe(1);
  });

  it('counts a negative offset from the end and forgets everything before it', () => {
    const queue = queueWith(5);
    expect(ids(queue.readForPolling(-2, 100))).toEqual([103, 104]);
    expect(ids(queue.readForPolling(0, 100))).toEqual([103, 104]);
    expect(ids(queue.readForPolling(-10, 100))).toEqual([103, 104]);
  });

  it('honours limit without confirming what it leaves out', () => {
    const queue = queueWith(3);
    expect(ids(queue.readForPolling(0, 1))).toEqual([100]);
    expect(ids(queue.readForPolling(101, 1))).toEqual([101]);
    expect(queue.pendingCount()).toBe(2);
  });

  it('ignores an offset far beyond the next update id, as TDLib does', () => {
    const queue = queueWith(2);
    expect(ids(queue.readForPolling(500, 100))).toEqual([100, 101]);
    expect(ids(queue.readForPolling(105, 100))).toEqual([]);
    expect(queue.pendingCount()).toBe(0);
  });

  it('returns nothing before the first update ever', () => {
    expect(queueWith(0).readForPolling(-1, 100)).toEqual([]);
  });

  it('drops expired updates', () => {
    const now = { value: 0 };
    const queue = queueWith(1, now);
    now.value = 86_400_000;
    expect(queue.pendingCount()).toBe(0);
  });
});

describe('allowed_updates', () => {
  it('filters updates when they are created, never the ones already queued', () => {
    const queue = queueWith(1);
    queue.setAllowedUpdates(new Set(['callback_query']));
    queue.push('message', message('late'), { orderingKey: 'chat:1', ttlSeconds: 60 });
    expect(queue.pendingCount()).toBe(1);
  });

  it('reads lists leniently: any case, unknown names skipped, junk ignored', () => {
    expect(readAllowedUpdates('["Message","nonsense"]')).toEqual(new Set(['message']));
    expect(readAllowedUpdates(['callback_query'])).toEqual(new Set(['callback_query']));
    expect(readAllowedUpdates('not json')).toBeUndefined();
    const queue = queueWith(0);
    expect(queue.setAllowedUpdates(new Set())).toBe(false);
    expect(queue.isDefaultAllowed).toBe(true);
  });
});
