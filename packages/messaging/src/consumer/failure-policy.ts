import { describeError } from '@mediabot/contracts';
import { headerNames, type AmqpHeaders } from '../shared/headers.ts';

export interface RetryPolicy {
  /** Handler attempts in all, the first included. */
  maxAttempts: number;
  /** Wait before retry n is `retryDelaysMs[n - 1]` (the last one repeats). */
  retryDelaysMs: readonly number[];
}

export type FailureDecision =
  | { kind: 'retry'; delayMs: number; nextAttempt: number; code: string; reason: string }
  | { kind: 'dead-letter'; code: string; reason: string };

/** Retry delays that grow geometrically: `count` values from `firstMs`, each `factor` times the last. */
export function exponentialDelays(firstMs: number, factor: number, count: number): number[] {
  return Array.from({ length: count }, (_, index) => Math.round(firstMs * factor ** index));
}

export const defaultRetryDelaysMs: readonly number[] = exponentialDelays(1000, 4, 4); // 1s 4s 16s 64s

export function checkRetryPolicy(policy: RetryPolicy): RetryPolicy {
  if (!Number.isInteger(policy.maxAttempts) || policy.maxAttempts < 1) {
    throw new RangeError(`maxAttempts ${policy.maxAttempts} must be a positive integer`);
  }
  if (policy.maxAttempts > 1 && policy.retryDelaysMs.length === 0)
    throw new RangeError('Retries need at least one retry delay');
  for (const delay of policy.retryDelaysMs) {
    if (!Number.isInteger(delay) || delay <= 0)
      throw new RangeError(`Retry delay ${delay} must be a positive integer`);
  }
  return policy;
}

/** Which attempt this delivery is: the header our retries set, 1 when absent. */
export function attemptOf(headers: AmqpHeaders | undefined): number {
  const value = Number(headers?.[headerNames.attempt]);
  return Number.isInteger(value) && value >= 1 ? value : 1;
}

/** After a failed attempt: another try later through a wait queue, or the dead-letter queue. */
export function decideAfterFailure(
  error: unknown,
  attempt: number,
  policy: RetryPolicy,
): FailureDecision {
  const { code, message, retryable } = describeError(error);
  if (!retryable) return { kind: 'dead-letter', code, reason: message };
  if (attempt >= policy.maxAttempts) {
    return { kind: 'dead-letter', code, reason: `Gave up after ${attempt} attempts: ${message}` };
  }
  const delays = policy.retryDelaysMs;
  const delayMs = delays[Math.min(attempt - 1, delays.length - 1)] ?? 1000;
  return { kind: 'retry', delayMs, nextAttempt: attempt + 1, code, reason: message };
}
