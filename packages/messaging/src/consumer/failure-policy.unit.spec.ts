import { describe, expect, it } from 'vitest';
import { AppError, ContractError } from '@mediabot/contracts';
import {
  attemptOf,
  checkRetryPolicy,
  decideAfterFailure,
  exponentialDelays,
} from './failure-policy.ts';

const policy = { maxAttempts: 3, retryDelaysMs: [100, 400] };

describe('decideAfterFailure', () => {
  it('retries a retryable error through growing delays, then gives up', () => {
    const transient = new AppError('upstream_timeout', 'timed out', { retryable: true });
    expect(decideAfterFailure(transient, 1, policy)).toMatchObject({
      kind: 'retry',
      delayMs: 100,
      nextAttempt: 2,
    });
    expect(decideAfterFailure(transient, 2, policy)).toMatchObject({
      kind: 'retry',
      delayMs: 400,
      nextAttempt: 3,
    });
    expect(decideAfterFailure(transient, 3, policy)).toMatchObject({
      kind: 'dead-letter',
      code: 'upstream_timeout',
    });
  });

  it('dead-letters a non-retryable error at once, with its code and message', () => {
    const decision = decideAfterFailure(
      new ContractError('invalid_payload', 'bad data'),
      1,
      policy,
    );
    expect(decision).toEqual({ kind: 'dead-letter', code: 'invalid_payload', reason: 'bad data' });
  });

  it('repeats the last delay when attempts outnumber delays', () => {
    expect(
      decideAfterFailure(new Error('boom'), 4, { maxAttempts: 9, retryDelaysMs: [10, 20] }),
    ).toMatchObject({ delayMs: 20, code: 'unexpected' });
  });
});

describe('retry settings', () => {
  it('reads the attempt header, 1 when absent or malformed', () => {
    expect(attemptOf(undefined)).toBe(1);
    expect(attemptOf({ 'x-mediabot-attempt': 3 })).toBe(3);
    expect(attemptOf({ 'x-mediabot-attempt': 'x' })).toBe(1);
  });

  it('builds exponential delays and rejects unusable policies', () => {
    expect(exponentialDelays(1000, 4, 4)).toEqual([1000, 4000, 16000, 64000]);
    expect(() => checkRetryPolicy({ maxAttempts: 0, retryDelaysMs: [1] })).toThrow(RangeError);
    expect(() => checkRetryPolicy({ maxAttempts: 2, retryDelaysMs: [] })).toThrow(RangeError);
    expect(() => checkRetryPolicy({ maxAttempts: 2, retryDelaysMs: [1.5] })).toThrow(RangeError);
  });
});
