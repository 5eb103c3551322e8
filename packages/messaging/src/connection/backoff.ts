export interface BackoffOptions {
  initialDelayMs: number;
  maxDelayMs: number;
  factor: number;
  /** 0..1: the delay is drawn uniformly from [base * (1 - jitter), base]. */
  jitter: number;
}

export const defaultReconnectBackoff: BackoffOptions = {
  initialDelayMs: 200,
  maxDelayMs: 15_000,
  factor: 2,
  jitter: 0.5,
};

/** Delay before reconnect attempt `attempt` (1-based): exponential, capped, jittered downwards so the cap holds. */
export function backoffDelay(
  attempt: number,
  options: BackoffOptions,
  random: () => number = Math.random,
): number {
  const exponent = Math.max(0, attempt - 1);
  const base = Math.min(options.maxDelayMs, options.initialDelayMs * options.factor ** exponent);
  const jitter = Math.min(1, Math.max(0, options.jitter));
  return Math.round(base * (1 - jitter * random()));
}
