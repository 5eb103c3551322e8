import { describe, expect, it } from 'vitest';
import { FaultPlan } from './fault-plan.ts';
import { RateLimiter } from './rate-limiter.ts';

describe('fault plan', () => {
  it('applies a fault to matching calls the given number of times', () => {
    const plan = new FaultPlan();
    const handle = plan.tooManyRequests({ method: 'sendMessage', chatId: 7 }, 3, 2);
    expect(plan.decide('sendmessage', '8').outcome).toBeUndefined();
    expect(plan.decide('getMe', '7').outcome).toBeUndefined();
    expect(plan.decide('sendMessage', '7').outcome).toEqual({
      kind: 'too-many-requests',
      retryAfterSeconds: 3,
    });
    expect(plan.decide('sendMessage', '7').outcome?.kind).toBe('too-many-requests');
    expect(plan.decide('sendMessage', '7').outcome).toBeUndefined();
    expect(handle.hits).toBe(2);
    expect(handle.remaining).toBe(0);
  });

  it('adds up delays and still applies the first other fault', () => {
    const plan = new FaultPlan();
    plan.delay({}, 10);
    plan.delay({ method: ['getUpdates'] }, 5, 1);
    plan.serverError({ method: 'getUpdates' });
    expect(plan.decide('getUpdates', undefined)).toEqual({
      delayMs: 15,
      outcome: { kind: 'server-error' },
    });
    expect(plan.decide('getUpdates', undefined)).toEqual({
      delayMs: 10,
      outcome: { kind: 'server-error' },
    });
  });
});

describe('rate limiter', () => {
  it('lets a chat burst, then answers retry_after until the bucket refills', () => {
    const now = { value: 0 };
    const limiter = new RateLimiter(
      { now: () => now.value },
      { perChatPerSecond: 1, perChatBurst: 2, globalPerSecond: 30 },
    );
    expect(limiter.take('1')).toBeUndefined();
    expect(limiter.take('1')).toBeUndefined();
    expect(limiter.take('1')).toBe(1);
    expect(limiter.take('2')).toBeUndefined();
    now.value = 1000;
    expect(limiter.take('1')).toBeUndefined();
    expect(limiter.take('1')).toBe(1);
  });
});
