import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { constants } from 'node:os';
import type { ServiceName } from '@mediabot/contracts';
import { availableServices, repositoryRoot, startStack, type Stack } from '@mediabot/local-stack';
import {
  ensureOversizeMp4,
  ensureSampleMedia,
  startMediaServer,
  type MediaServer,
} from '@mediabot/sample-media';
import { formatLogLine } from '../log-format.ts';
import { processesWithEnvironment, type ProcessInfo } from '../process-table.ts';
import { sampleLinks } from '../samples.ts';
import { startSandboxServer, type SandboxServer } from '../sandbox-server.ts';
import { localRunConfig, LocalRunConfigError, type LocalRunConfig } from './config.ts';
import { prepareDatabase, redactUrl } from './database.ts';

/** Set in every process a local run starts (inherited by services, yt-dlp and ffmpeg). */
export const localRunMarker = 'MEDIABOT_LOCAL_RUN';

export interface Output {
  /** A line from the run itself. */
  say(text: string): void;
  /** A line a service printed. */
  service(source: string, line: string): void;
  /** Text as it is (the ready banner). */
  raw(text: string): void;
}

export function terminalOutput(stream: NodeJS.WriteStream = process.stdout): Output {
  const colour = Boolean(stream.isTTY) && !process.env.NO_COLOR;
  const width = Math.max(...['up', 'relay', ...availableServices()].map((name) => name.length));
  const write = (text: string) => stream.write(`${text}\n`);
  return {
    say: (text) => write(formatLogLine('up', text, { colour, width })),
    service: (source, line) => write(formatLogLine(source, line, { colour, width })),
    raw: write,
  };
}

/** A failure the person running `./dev up` can act on: what went wrong and what to do. */
export class LocalRunError extends Error {
  readonly hint: string;
  constructor(message: string, hint: string, options?: { cause?: unknown }) {
    super(message, options);
    this.hint = hint;
  }
}

export interface LocalRun {
  /** The sandbox page (fake Telegram only). */
  sandboxUrl: string | undefined;
  mediaUrl: string;
  stack: Stack;
  /** Stops everything; resolves with the processes that had to be killed after the services stopped. */
  stop(): Promise<ProcessInfo[]>;
}

function isAddressInUse(error: unknown): boolean {
  return (error as { code?: string }).code === 'EADDRINUSE';
}

function portTaken(variable: string, port: number, cause: unknown): LocalRunError {
  return new LocalRunError(
    `port ${port} (${variable}) is already in use`,
    `Another program (or another ./dev up) listens there. Stop it, or pick a free port: ${variable}=${port + 1} ./dev up`,
    { cause },
  );
}

async function assertPortFree(host: string, port: number, variable: string): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (error) =>
      reject(isAddressInUse(error) ? portTaken(variable, port, error) : error),
    );
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}

async function botUsername(apiRoot: string, token: string): Promise<string | undefined> {
  try {
    const response = await fetch(`${apiRoot}/bot${token}/getMe`, {
      signal: AbortSignal.timeout(5_000),
    });
    const body = (await response.json()) as { ok?: boolean; result?: { username?: string } };
    return body.ok ? body.result?.username : undefined;
  } catch {
    return undefined;
  }
}

/** Restarts a service that exits on its own, with a growing pause, until the run stops. */
function superviseServices(stack: Stack, output: Output, isStopping: () => boolean) {
  const pauses = new Map<string, number>();
  const timers = new Set<NodeJS.Timeout>();
  let restarting: Promise<unknown> = Promise.resolve();

  const watch = (name: string) => {
    const child = stack.processes.get(name);
    if (!child) return;
    const startedAt = Date.now();
    void child.exited.then(({ code, signal }) => {
      if (isStopping() || stack.processes.get(name) !== child) return;
      const previous = Date.now() - startedAt > 60_000 ? 0 : (pauses.get(name) ?? 0);
      const pause = Math.min(30_000, Math.max(1_000, previous * 2));
      pauses.set(name, pause);
      output.say(
        `${name} exited (${signal ?? `code ${code}`}); restarting it in ${pause / 1000} s (its log is above)`,
      );
      const timer = setTimeout(() => {
        timers.delete(timer);
        if (isStopping()) return;
        restarting = stack
          .restart(name as ServiceName | 'relay')
          .then(() => output.say(`${name} is back`))
          .catch((error: unknown) => output.say(`${name} did not come back: ${String(error)}`))
          .finally(() => watch(name));
      }, pause);
      timers.add(timer);
    });
  };
  for (const name of stack.processes.keys()) watch(name);
  return {
    async stop() {
      for (const timer of timers) clearTimeout(timer);
      await restarting;
    },
  };
}

/** Everything `./dev up` runs, started in order; fails with a LocalRunError saying what to do. */
export async function startLocalRun(config: LocalRunConfig, output: Output): Promise<LocalRun> {
  // Children inherit it: after the services stop, it finds any process they left behind.
  const marker = randomUUID();
  process.env[localRunMarker] = marker;
  const cleanups: (() => Promise<unknown>)[] = [];
  const unwind = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  };

  try {
    output.say(`database ${redactUrl(config.databaseUrl)}`);
    const { created } = await prepareDatabase(config.databaseUrl).catch((error: unknown) => {
      throw new LocalRunError(
        `cannot prepare the database: ${(error as Error).message}`,
        'Is PostgreSQL running? `./dev services` starts the local services; DATABASE_URL points elsewhere.',
        { cause: error },
      );
    });
    output.say(created ? 'database created; event store migrated' : 'event store migrated');

    output.say('sample clips (made with ffmpeg on the first run, then reused)');
    const media = await ensureSampleMedia();
    const oversize = await ensureOversizeMp4(config.uploadLimitBytes + 512 * 1024, media.dir);
    let mediaServer: MediaServer;
    try {
      mediaServer = await startMediaServer({ dir: media.dir, port: config.mediaPort });
    } catch (error) {
      throw isAddressInUse(error) ? portTaken('MEDIA_PORT', config.mediaPort, error) : error;
    }
    cleanups.push(() => mediaServer.close());
    output.say(`sample media server ${mediaServer.origin}/`);

    if (config.telegram.kind === 'fake') {
      await assertPortFree(config.sandbox.host, config.sandbox.port, 'SANDBOX_PORT');
    }

    const telegram =
      config.telegram.kind === 'fake'
        ? ({ kind: 'fake' } as const)
        : {
            ...config.telegram,
            ...(config.telegram.mode === 'webhook' && !config.telegram.webhookSecret
              ? { webhookSecret: randomBytes(24).toString('base64url') }
              : {}),
          };
    const services = availableServices();
    output.say(
      `starting ${services.length} services and the relay: ${services.join(', ')} (${
        telegram.kind === 'fake' ? 'fake Telegram Bot API' : `real Telegram, ${telegram.mode}`
      })`,
    );
    let stack: Stack;
    try {
      stack = await startStack({
        databaseUrl: config.databaseUrl,
        rabbitmqUrl: config.rabbitmqUrl,
        redisUrl: config.redisUrl,
        prefix: config.prefix,
        workDir: config.workDir,
        telegram,
        ...(config.s3 ? { s3: config.s3 } : {}),
        ...(config.allowLoopbackLinks ? { allowLoopbackLinks: { ports: [mediaServer.port] } } : {}),
        logLevel: config.logLevel,
        // A first start on a busy laptop (cold caches, migrations) can be slow.
        readyTimeoutMs: 180_000,
        log: (source, line) => output.service(source, line),
      });
    } catch (error) {
      throw new LocalRunError(
        `the services did not start: ${(error as Error).message}`,
        'Their logs are above. `./dev services` checks PostgreSQL, RabbitMQ and Redis; LOG_LEVEL=debug says more.',
        { cause: error },
      );
    }
    cleanups.push(() => stack.stop());

    let stopping = false;
    const supervisor = superviseServices(stack, output, () => stopping);
    cleanups.push(() => supervisor.stop());

    let sandbox: SandboxServer | undefined;
    if (stack.telegram.fake) {
      try {
        sandbox = await startSandboxServer({
          fake: stack.telegram.fake,
          host: config.sandbox.host,
          port: config.sandbox.port,
          samples: sampleLinks(mediaServer, media, oversize),
        });
      } catch (error) {
        throw isAddressInUse(error) ? portTaken('SANDBOX_PORT', config.sandbox.port, error) : error;
      }
      const opened = sandbox;
      cleanups.push(() => opened.close());
    }

    const stop = async (): Promise<ProcessInfo[]> => {
      stopping = true;
      await unwind();
      return sweepLeftovers(marker);
    };

    if (sandbox) {
      output.raw(
        [
          '',
          `  MediaBot is ready: open the sandbox chat at ${sandbox.url}`,
          '',
          `    sample media   ${mediaServer.origin}/ (the sandbox offers its links)`,
          `    event log      DATABASE_URL=${redactUrl(config.databaseUrl)} pnpm mediabot tail`,
          '    stop           Ctrl-C',
          '',
        ].join('\n'),
      );
    } else if (config.telegram.kind === 'real') {
      const username = await botUsername(stack.telegram.apiRoot, config.telegram.token);
      const who = username ? `@${username} (https://t.me/${username})` : 'your bot';
      output.raw(
        [
          '',
          `  MediaBot is ready: talk to ${who} on Telegram`,
          '',
          config.telegram.mode === 'webhook'
            ? `    webhook        ${config.telegram.webhookPublicUrl} → this machine's port ${process.env.WEBHOOK_PORT ?? 8443}`
            : '    updates        long polling (set WEBHOOK_PUBLIC_URL for a webhook)',
          `    sample media   ${mediaServer.origin}/${config.allowLoopbackLinks ? '' : ' (not accepted from Telegram: MEDIABOT_ALLOW_LOOPBACK_LINKS=true allows it)'}`,
          `    event log      DATABASE_URL=${redactUrl(config.databaseUrl)} pnpm mediabot tail`,
          '    stop           Ctrl-C',
          '',
        ].join('\n'),
      );
    }

    return { sandboxUrl: sandbox?.url, mediaUrl: `${mediaServer.origin}/`, stack, stop };
  } catch (error) {
    await unwind();
    await sweepLeftovers(marker);
    throw error;
  }
}

/** Kills whatever still carries this run's marker (a tool whose service died before it). */
export async function sweepLeftovers(marker: string): Promise<ProcessInfo[]> {
  const leftovers = await processesWithEnvironment(localRunMarker, marker);
  for (const leftover of leftovers) {
    try {
      process.kill(leftover.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  return leftovers;
}

const runnerVariable = 'MEDIABOT_UP_RUNNER';
const stopSignals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * `node scripts/up.ts`: starts, prints the addresses, stops everything on Ctrl-C or SIGTERM.
 *
 * A terminal's Ctrl-C signals its whole foreground process group. Were the services in it, each
 * would start its own shutdown and then take our orderly SIGTERM as a second, impatient signal
 * ("exiting now"). So the run itself happens in a child in a process group of its own, with the
 * services below it, and this process only passes signals on: one Ctrl-C, one orderly stop.
 */
export async function runFromCommandLine(): Promise<void> {
  if (process.env[runnerVariable] === undefined) {
    await runDetached();
    return;
  }
  // The launcher went away without a word (killed): stop as if asked to.
  if (process.channel) {
    process.channel.unref();
    process.once('disconnect', () => process.emit('SIGHUP', 'SIGHUP'));
  }
  await runHere();
}

async function runDetached(): Promise<void> {
  const runner = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    detached: true,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, [runnerVariable]: String(process.pid) },
  });
  const forward = (signal: NodeJS.Signals) => {
    try {
      runner.kill(signal);
    } catch {
      // it has just exited
    }
  };
  for (const signal of stopSignals) process.on(signal, forward);
  const [code, signal] = (await once(runner, 'exit')) as [number | null, NodeJS.Signals | null];
  for (const stopSignal of stopSignals) process.off(stopSignal, forward);
  process.exitCode = code ?? 128 + (signal ? constants.signals[signal] : 1);
}

async function runHere(): Promise<void> {
  const output = terminalOutput();
  let config: LocalRunConfig;
  try {
    config = localRunConfig(process.env, repositoryRoot);
  } catch (error) {
    if (!(error instanceof LocalRunConfigError)) throw error;
    process.stderr.write(`up: ${error.message}\n`);
    process.exitCode = 2;
    return;
  }

  let run: LocalRun | undefined;
  let stopRequested: NodeJS.Signals | undefined;
  let stopping = false;
  const finished = Promise.withResolvers<void>();
  const forceStop = (signal: NodeJS.Signals) => {
    output.say(`${signal} again: killing everything now`);
    void sweepLeftovers(process.env[localRunMarker] ?? '').finally(() => process.exit(130));
  };
  const stop = (signal: NodeJS.Signals) => {
    if (stopping || (stopRequested && !run)) {
      forceStop(signal);
      return;
    }
    stopRequested = signal;
    if (!run) {
      output.say(`${signal}: stopping once started (again to kill everything now)`);
      return;
    }
    stopping = true;
    output.say(`${signal}: stopping the services (Ctrl-C again to kill them at once)`);
    run
      .stop()
      .then(
        (leftovers) => {
          if (leftovers.length > 0) {
            output.say(
              `killed ${leftovers.length} leftover process(es): ${leftovers
                .map((info) => `${info.name} (${info.pid})`)
                .join(', ')}`,
            );
          }
          output.say('stopped; no process left behind');
        },
        (error: unknown) => {
          output.say(`stopping failed: ${String(error)}`);
          process.exitCode = 1;
        },
      )
      .finally(() => finished.resolve());
  };
  const signals = stopSignals;
  for (const signal of signals) process.on(signal, stop);

  try {
    run = await startLocalRun(config, output);
  } catch (error) {
    if (error instanceof LocalRunError) {
      process.stderr.write(`\nup: ${error.message}\n    ${error.hint}\n`);
    } else {
      process.stderr.write(`\nup: ${(error as Error).stack ?? String(error)}\n`);
    }
    process.exitCode = 1;
    for (const signal of signals) process.off(signal, stop);
    return;
  }
  if (stopRequested) {
    const signal = stopRequested;
    stopRequested = undefined;
    stop(signal);
  }
  await finished.promise;
  for (const signal of signals) process.off(signal, stop);
}
