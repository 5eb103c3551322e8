import { spawn } from 'node:child_process';
import { getPriority, setPriority } from 'node:os';

/** Why we ended a process ourselves (as opposed to it exiting on its own). */
export type StopReason = 'timeout' | 'aborted' | 'too_large';

export interface ProcessOutcome {
  exitCode: number | null;
  exitSignal: NodeJS.Signals | null;
  /** Whole stdout when `collectStdout` was set, else ''. */
  stdout: string;
  /** The last bytes of stderr (bounded), for classification and logs. */
  stderrTail: string;
  stopReason: StopReason | undefined;
  /** Set when the process could not be started at all (binary missing, …). */
  spawnError: Error | undefined;
}

export interface RunProcessOptions {
  command: string;
  args: readonly string[];
  timeoutMs: number;
  signal?: AbortSignal | undefined;
  cwd?: string | undefined;
  env?: NodeJS.ProcessEnv | undefined;
  collectStdout?: boolean | undefined;
  maxStdoutBytes?: number | undefined;
  onStdoutLine?: ((line: string) => void) | undefined;
  onStderrLine?: ((line: string) => void) | undefined;
  /** Scheduling niceness of the tool (0-19; default `defaultToolNiceness`); its children inherit it. */
  niceness?: number | undefined;
}

export interface RunningProcess {
  pid: number | undefined;
  /** Kills the whole process group; the outcome then carries `reason`. */
  stop(reason: StopReason): void;
  done: Promise<ProcessOutcome>;
}

/**
 * yt-dlp and ffmpeg are CPU-bound batch work: below normal priority they leave the CPU to the
 * services' interactive work (answers, status edits) on a shared machine.
 */
export const defaultToolNiceness = 10;

const stderrTailBytes = 16 * 1024;
const liveGroups = new Set<number>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // If this Node process goes away, its tools go with it: no orphan yt-dlp or ffmpeg.
  process.once('exit', () => {
    for (const pgid of liveGroups) killGroup(pgid);
  });
}

function lowerPriority(pid: number, niceness: number): void {
  // An unprivileged process may only raise niceness: never ask for less than our own.
  const target = Math.min(19, Math.max(Math.trunc(niceness), getPriority()));
  if (target === getPriority()) return;
  try {
    setPriority(pid, target);
  } catch {
    // ESRCH: it has already exited. The tool then just ran at our own priority.
  }
}

function killGroup(pgid: number): void {
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    // ESRCH: the group is already gone.
  }
}

function lineSplitter(onLine: (line: string) => void): { push(chunk: string): void; end(): void } {
  let pending = '';
  return {
    push(chunk) {
      pending += chunk;
      let newline = pending.indexOf('\n');
      while (newline !== -1) {
        onLine(pending.slice(0, newline).replace(/\r$/, ''));
        pending = pending.slice(newline + 1);
        newline = pending.indexOf('\n');
      }
    },
    end() {
      if (pending.length > 0) onLine(pending.replace(/\r$/, ''));
      pending = '';
    },
  };
}

/**
 * Runs a tool in its own process group (detached) so that stopping it also stops whatever it
 * spawned (yt-dlp runs ffmpeg to merge). Never rejects: the outcome says what happened.
 */
export function runProcess(options: RunProcessOptions): RunningProcess {
  installExitHook();
  const child = spawn(options.command, options.args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pgid = child.pid;
  if (pgid !== undefined) {
    liveGroups.add(pgid);
    // Set right after exec, before the tool starts its threads or children: they inherit it.
    lowerPriority(pgid, options.niceness ?? defaultToolNiceness);
  }

  let stopReason: StopReason | undefined;
  let spawnError: Error | undefined;
  let stdout = '';
  let stdoutBytes = 0;
  let stderrTail = '';

  const stop = (reason: StopReason): void => {
    if (stopReason !== undefined) return;
    stopReason = reason;
    if (pgid !== undefined) killGroup(pgid);
  };

  const timer = setTimeout(() => stop('timeout'), options.timeoutMs);
  const onAbort = (): void => stop('aborted');
  if (options.signal?.aborted) stop('aborted');
  else options.signal?.addEventListener('abort', onAbort, { once: true });

  const stdoutLines = options.onStdoutLine ? lineSplitter(options.onStdoutLine) : undefined;
  const stderrLines = options.onStderrLine ? lineSplitter(options.onStderrLine) : undefined;
  const maxStdoutBytes = options.maxStdoutBytes ?? 64 * 1024 * 1024;

  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    if (options.collectStdout) {
      stdoutBytes += Buffer.byteLength(chunk);
      if (stdoutBytes > maxStdoutBytes) stop('too_large');
      else stdout += chunk;
    }
    stdoutLines?.push(chunk);
  });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderrTail = (stderrTail + chunk).slice(-stderrTailBytes);
    stderrLines?.push(chunk);
  });

  const done = new Promise<ProcessOutcome>((resolve) => {
    child.once('error', (error) => {
      spawnError = error;
    });
    child.once('close', (exitCode, exitSignal) => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      stdoutLines?.end();
      stderrLines?.end();
      if (pgid !== undefined) {
        // A stopped tool's helpers may outlive its leader for a moment: end them too.
        if (stopReason !== undefined) killGroup(pgid);
        liveGroups.delete(pgid);
      }
      resolve({ exitCode, exitSignal, stdout, stderrTail, stopReason, spawnError });
    });
  });

  return { pid: pgid, stop, done };
}
