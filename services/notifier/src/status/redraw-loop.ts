import type { NotifierDeps } from '../notifier-deps.ts';
import { showStatus } from './status-message.ts';

export interface RedrawLoopOptions {
  /** How often due redraws are looked for. */
  intervalMs?: number;
  /** Redraws taken at once. */
  batchSize?: number;
  /** A claimed redraw not confirmed in this time (its replica died) is due again. */
  leaseMs?: number;
}

/** Draws a request's status message from its newest stored facts (a deferred edit). */
export async function redrawStatus(deps: NotifierDeps, requestId: string): Promise<void> {
  await deps.locks.withLock(requestId, async () => {
    const stored = await deps.requests.load(requestId);
    if (stored) await showStatus(deps, stored);
  });
}

/** Runs the deferred status edits of every replica's handlers as they come due. */
export function startRedrawLoop(
  deps: NotifierDeps,
  options: RedrawLoopOptions = {},
): { stop(): Promise<void> } {
  const intervalMs = options.intervalMs ?? 100;
  const batchSize = options.batchSize ?? 20;
  const leaseMs = options.leaseMs ?? 30_000;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();

  const tick = async (): Promise<number> => {
    const due = await deps.redraws.claimDue(batchSize, leaseMs);
    await Promise.all(
      due.map(async (redraw) => {
        try {
          await redrawStatus(deps, redraw.requestId);
          await deps.redraws.done(redraw);
        } catch (error) {
          // Left claimed: it comes due again when the lease runs out.
          deps.logger.warn(
            { requestId: redraw.requestId, err: error },
            'Deferred status edit failed',
          );
        }
      }),
    );
    return due.length;
  };
  const loop = () => {
    running = tick()
      .catch((error: unknown) => {
        deps.logger.warn({ err: error }, 'Could not read the deferred status edits');
        return 0;
      })
      .then((count) => {
        if (stopped) return;
        timer = setTimeout(loop, count >= batchSize ? 0 : intervalMs);
      });
  };
  timer = setTimeout(loop, intervalMs);
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
