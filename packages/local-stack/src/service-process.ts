import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';

export type LogSink = (source: string, line: string) => void;

export interface ServiceProcess {
  name: string;
  pid: number;
  httpPort: number | undefined;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
  kill(signal: NodeJS.Signals): void;
}

/** Runs a TypeScript entry point under this Node (24: types are stripped natively). */
export function startServiceProcess(options: {
  name: string;
  entry: string;
  env: Record<string, string>;
  /** Node options before the entry point, e.g. `serviceNodeOptions`. */
  nodeOptions?: readonly string[];
  httpPort?: number;
  log: LogSink;
}): ServiceProcess {
  const child: ChildProcess = spawn(
    process.execPath,
    [...(options.nodeOptions ?? []), options.entry],
    {
      env: {
        ...process.env,
        ...options.env,
        ...(options.httpPort ? { HTTP_PORT: String(options.httpPort) } : {}),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  for (const stream of [child.stdout, child.stderr]) {
    if (stream)
      createInterface({ input: stream }).on('line', (line) => options.log(options.name, line));
  }
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  let finished = false;
  void exited.then(() => (finished = true));
  return {
    name: options.name,
    pid: child.pid ?? -1,
    httpPort: options.httpPort,
    exited,
    kill: (signal) => {
      if (!finished) child.kill(signal);
    },
    async stop(graceMs = 15_000) {
      if (finished) return;
      child.kill('SIGTERM');
      const outcome = await Promise.race([
        exited.then(() => 'exited' as const),
        sleep(graceMs).then(() => 'late' as const),
      ]);
      if (outcome === 'late') {
        options.log(options.name, `did not stop within ${graceMs} ms; killing it`);
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}

/** Polls /readyz until it answers 200, or fails with the last answer when the process dies or time runs out. */
export async function waitUntilReady(service: ServiceProcess, timeoutMs = 60_000): Promise<void> {
  if (!service.httpPort) return;
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void service.exited.then(() => (exited = true));
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (exited) throw new Error(`${service.name} exited before it was ready (${last})`);
    try {
      const response = await fetch(`http://127.0.0.1:${service.httpPort}/readyz`);
      if (response.ok) return;
      last = `${response.status} ${await response.text()}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await sleep(100);
  }
  throw new Error(`${service.name} was not ready after ${timeoutMs} ms (${last})`);
}
