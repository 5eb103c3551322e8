import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';
import { killProcessGroup, killQuietly, onProcessExit } from './child-registry.ts';

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ChildHandle {
  pid: number;
  /** Every stdout line from the start, then new ones as they come, until stdout closes. */
  stdoutLines(): AsyncIterable<string>;
  /** stdout and stderr lines seen so far, for assertions and failure messages. */
  readonly stdout: readonly string[];
  readonly stderr: readonly string[];
  /**
   * The first stdout line (already seen or still to come) matching `pattern`. Rejects when the
   * process ends first or after `timeoutMs`, quoting the last output.
   */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Sends a signal to the process (SIGTERM by default) and resolves when it has exited. */
  kill(signal?: NodeJS.Signals): Promise<ExitInfo>;
  exited: Promise<ExitInfo>;
}

export interface SpawnNodeOptions {
  /** Added to (and overriding) the test process's environment. */
  env?: Record<string, string>;
  args?: string[];
  cwd?: string;
}

/**
 * Runs a .ts file with the Node that runs the tests (Node 24 strips types natively). The child
 * gets its own process group, killed with SIGKILL when the test process exits, so nothing it
 * started outlives the test run.
 */
export function spawnNode(file: string, options: SpawnNodeOptions = {}): ChildHandle {
  const child = spawn(process.execPath, [file, ...(options.args ?? [])], {
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${process.execPath} ${file}`);
  const forgetExitHook = onProcessExit(() => killProcessGroup(pid));

  const stdout: string[] = [];
  const stderr: string[] = [];
  const lineListeners = new Set<() => void>();
  let stdoutClosed = false;
  const notify = () => {
    for (const listener of [...lineListeners]) listener();
  };

  createInterface({ input: child.stdout, crlfDelay: Infinity })
    .on('line', (line) => {
      stdout.push(line);
      notify();
    })
    .on('close', () => {
      stdoutClosed = true;
      notify();
    });
  createInterface({ input: child.stderr, crlfDelay: Infinity }).on('line', (line) => {
    stderr.push(line);
  });

  let hasExited = false;
  const exited = new Promise<ExitInfo>((resolve) => {
    child.once('exit', (code, signal) => {
      hasExited = true;
      forgetExitHook();
      resolve({ code, signal });
    });
  });
  // A grandchild may keep stdout open after the child died: end of output is the earlier of
  // stdout closing and a short grace after exit.
  void exited.then(async () => {
    await delay(1_000);
    stdoutClosed = true;
    notify();
  });

  const describeOutput = () =>
    [
      `stdout (last 20 lines):`,
      ...stdout.slice(-20),
      `stderr (last 20 lines):`,
      ...stderr.slice(-20),
    ].join('\n');

  async function* stdoutLines(): AsyncIterable<string> {
    let next = 0;
    for (;;) {
      while (next < stdout.length) yield stdout[next++]!;
      if (stdoutClosed) return;
      await new Promise<void>((resolve) => {
        const listener = () => {
          lineListeners.delete(listener);
          resolve();
        };
        lineListeners.add(listener);
      });
    }
  }

  const waitForLine = (pattern: RegExp, timeoutMs = 30_000) =>
    new Promise<string>((resolve, reject) => {
      let checked = 0;
      const finish = (outcome: () => void) => {
        clearTimeout(timer);
        lineListeners.delete(check);
        outcome();
      };
      const check = () => {
        for (; checked < stdout.length; checked++) {
          const line = stdout[checked]!;
          if (pattern.test(line)) return finish(() => resolve(line));
        }
        if (stdoutClosed) {
          finish(() =>
            reject(
              new Error(
                `${file} ended output without a line matching ${pattern}\n${describeOutput()}`,
              ),
            ),
          );
        }
      };
      const timer = setTimeout(() => {
        finish(() =>
          reject(
            new Error(
              `no line matching ${pattern} from ${file} within ${timeoutMs} ms` +
                `${hasExited ? ' (it has exited)' : ''}\n${describeOutput()}`,
            ),
          ),
        );
      }, timeoutMs);
      lineListeners.add(check);
      check();
    });

  return {
    pid,
    stdout,
    stderr,
    stdoutLines,
    waitForLine,
    kill: (signal = 'SIGTERM') => {
      if (!hasExited) killQuietly(pid, signal);
      return exited;
    },
    exited,
  };
}
