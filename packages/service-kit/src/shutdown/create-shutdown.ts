import type { Logger } from '../logging/index.ts';

export type ShutdownHook = () => Promise<void> | void;

export interface SignalSource {
  on(signal: NodeJS.Signals, listener: () => void): unknown;
  off(signal: NodeJS.Signals, listener: () => void): unknown;
}

export interface ShutdownOptions {
  logger: Logger;
  /** Longest the hooks may take together before the process exits with code 1 anyway. */
  timeoutMs: number;
  exit?: (code: number) => void;
  signals?: readonly NodeJS.Signals[];
  signalSource?: SignalSource;
}

export interface Shutdown {
  /** Hooks run one at a time in reverse registration order: register pools first, consumers last. */
  register(name: string, hook: ShutdownHook): void;
  /** Runs the hooks once (later calls share the first run) and exits; resolves with the exit code. */
  run(reason: string, options?: { exitCode?: number }): Promise<number>;
  readonly started: boolean;
  /** Stops listening for signals. */
  dispose(): void;
}

export function createShutdown({
  logger,
  timeoutMs,
  exit = (code) => process.exit(code),
  signals = ['SIGTERM', 'SIGINT'],
  signalSource = process,
}: ShutdownOptions): Shutdown {
  const hooks: Array<{ name: string; hook: ShutdownHook }> = [];
  let running: Promise<number> | undefined;

  async function runHooks(): Promise<boolean> {
    let allSucceeded = true;
    for (const { name, hook } of [...hooks].reverse()) {
      try {
        await hook();
        logger.info({ hook: name }, 'shutdown hook done');
      } catch (error) {
        allSucceeded = false;
        logger.error({ hook: name, err: error }, 'shutdown hook failed');
      }
    }
    return allSucceeded;
  }

  async function runOnce(reason: string, exitCode: number): Promise<number> {
    logger.info({ reason, hooks: hooks.length }, 'shutting down');
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const outcome = await Promise.race([runHooks(), timedOut]);
    clearTimeout(timer);
    dispose();

    let code: number;
    if (outcome === 'timeout') {
      logger.error({ timeoutMs }, 'shutdown hooks did not finish in time, exiting anyway');
      code = 1;
    } else {
      code = outcome ? exitCode : 1;
      logger.info({ exitCode: code }, 'shutdown complete');
    }
    exit(code);
    return code;
  }

  function run(reason: string, options: { exitCode?: number } = {}): Promise<number> {
    running ??= runOnce(reason, options.exitCode ?? 0);
    return running;
  }

  function onSignal(signal: NodeJS.Signals): void {
    if (running) {
      logger.warn({ signal }, 'second signal during shutdown, exiting now');
      exit(1);
      return;
    }
    void run(signal);
  }

  const listeners = signals.map((signal) => [signal, () => onSignal(signal)] as const);
  for (const [signal, listener] of listeners) signalSource.on(signal, listener);

  function dispose(): void {
    for (const [signal, listener] of listeners) signalSource.off(signal, listener);
  }

  return {
    register(name, hook) {
      hooks.push({ name, hook });
    },
    run,
    get started() {
      return running !== undefined;
    },
    dispose,
  };
}
