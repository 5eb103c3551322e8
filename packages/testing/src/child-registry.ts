/**
 * Processes started by the harness must not outlive the test process: a forgotten broker or
 * service keeps ports and CPU busy for every later run. Cleanups run synchronously on exit
 * and on SIGINT/SIGTERM/SIGHUP (after which the signal is re-raised to keep its usual effect).
 */
type SyncCleanup = () => void;

const cleanups = new Set<SyncCleanup>();
let installed = false;

export function onProcessExit(cleanup: SyncCleanup): () => void {
  installHooks();
  cleanups.add(cleanup);
  return () => {
    cleanups.delete(cleanup);
  };
}

function runCleanups(): void {
  for (const cleanup of [...cleanups]) {
    cleanups.delete(cleanup);
    try {
      cleanup();
    } catch {
      // best effort: the process is going away
    }
  }
}

function installHooks(): void {
  if (installed) return;
  installed = true;
  process.once('exit', runCleanups);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = () => {
      runCleanups();
      process.removeListener(signal, onSignal);
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
}

/** SIGKILL a process (group) that may already be gone. */
export function killQuietly(pid: number | undefined, signal: NodeJS.Signals = 'SIGKILL'): void {
  if (pid === undefined) return;
  try {
    process.kill(pid, signal);
  } catch {
    // already exited
  }
}

/** Signals every process in the group led by `leaderPid` (spawned with detached: true). */
export function killProcessGroup(
  leaderPid: number | undefined,
  signal: NodeJS.Signals = 'SIGKILL',
): void {
  if (leaderPid === undefined || leaderPid <= 1) return;
  killQuietly(-leaderPid, signal);
}
