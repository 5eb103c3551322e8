import { setTimeout as sleep } from 'node:timers/promises';

export interface PollingDependencies {
  getUpdates(
    offset: number,
    timeoutSeconds: number,
    signal: AbortSignal,
  ): Promise<readonly { update_id: number }[]>;
  handleUpdate(update: unknown): Promise<void>;
  timeoutSeconds: number;
  maxRetryDelayMs: number;
  logger: {
    warn(fields: object, message: string): void;
    info(fields: object, message: string): void;
  };
}

/**
 * Long-polls getUpdates. The offset only moves past an update once it is recorded, so a crash
 * or a database outage replays it instead of losing it (Telegram keeps unconfirmed updates for
 * 24 hours). One replica only: Telegram answers a second poller with 409.
 */
export function startPolling(dependencies: PollingDependencies): { stop(): Promise<void> } {
  const abort = new AbortController();
  const run = async () => {
    let offset = 0;
    let failures = 0;
    while (!abort.signal.aborted) {
      try {
        const updates = await dependencies.getUpdates(
          offset,
          dependencies.timeoutSeconds,
          abort.signal,
        );
        for (const update of updates) {
          await dependencies.handleUpdate(update);
          offset = update.update_id + 1;
        }
        failures = 0;
      } catch (error) {
        if (abort.signal.aborted) return;
        failures += 1;
        const delay = Math.min(dependencies.maxRetryDelayMs, 250 * 2 ** Math.min(failures, 10));
        dependencies.logger.warn(
          { err: error, retryInMs: delay, offset },
          'Polling failed; retrying',
        );
        await sleep(delay, undefined, { signal: abort.signal }).catch(() => {});
      }
    }
  };
  const running = run();
  return {
    async stop() {
      abort.abort();
      await running;
    },
  };
}
