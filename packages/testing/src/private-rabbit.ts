import { randomBytes } from 'node:crypto';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, openSync, closeSync, readFileSync, rmSync } from 'node:fs';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import { connect } from 'amqplib';
import { killProcessGroup, killQuietly, onProcessExit } from './child-registry.ts';
import { freePorts } from './free-port.ts';

export interface PrivateRabbit {
  /** amqp://guest:guest@127.0.0.1:<port> of this node only. */
  url: string;
  /** Stops the broker process gracefully; its data stays. */
  stop(): Promise<void>;
  /** Starts it again on the same port with the same data; resolves once it accepts AMQP. */
  start(): Promise<void>;
  restart(): Promise<void>;
  /** Stops it and removes everything it wrote. */
  destroy(): Promise<void>;
}

const serverScript = process.env.RABBITMQ_SERVER_SCRIPT ?? '/usr/lib/rabbitmq/bin/rabbitmq-server';
const startupTimeoutMs = 90_000;

/**
 * A RabbitMQ node of its own on free ports, for tests that stop or restart the broker without
 * disturbing the shared one. Uses the locally installed RabbitMQ; on machines without it
 * (GitHub Actions) a Docker container with a fixed host port and hostname plays the part.
 */
export async function startPrivateRabbit(): Promise<PrivateRabbit> {
  if (existsSync(serverScript)) return startLocalNode();
  if (await commandSucceeds('docker', ['info'])) return startDockerNode();
  throw new Error(
    `startPrivateRabbit needs RabbitMQ installed (${serverScript}) or Docker; neither is available`,
  );
}

async function startLocalNode(): Promise<PrivateRabbit> {
  const baseDir = await mkdtemp(join(tmpdir(), 'mediabot-rabbit-'));
  const [amqpPort, distPort] = (await freePorts(2)) as [number, number];
  const nodeName = `${`mbt${randomBytes(6).toString('hex')}`}@localhost`;
  const url = `amqp://guest:guest@127.0.0.1:${amqpPort}`;
  const logFile = join(baseDir, 'console.log');

  await mkdir(join(baseDir, 'home'));
  // Our own config files, so the system's listeners.tcp.local = 127.0.0.1:5672 and its plugins
  // (management on 15672) are never loaded here.
  await writeFile(
    join(baseDir, 'rabbitmq.conf'),
    [
      `listeners.tcp.local = 127.0.0.1:${amqpPort}`,
      'log.console = false',
      'log.file.level = info',
      '',
    ].join('\n'),
  );
  await writeFile(join(baseDir, 'enabled_plugins'), '[].\n');
  await writeFile(join(baseDir, 'rabbitmq-env.conf'), '');

  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: join(baseDir, 'home'), // its own Erlang cookie
    LANG: 'C.UTF-8',
    ERL_EPMD_ADDRESS: '127.0.0.1',
    ERL_FLAGS: '-kernel inet_dist_use_interface {127,0,0,1}',
    RABBITMQ_NODENAME: nodeName,
    RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
    RABBITMQ_NODE_PORT: String(amqpPort),
    RABBITMQ_DIST_PORT: String(distPort),
    RABBITMQ_CONF_ENV_FILE: join(baseDir, 'rabbitmq-env.conf'),
    RABBITMQ_CONFIG_FILE: join(baseDir, 'rabbitmq.conf'),
    RABBITMQ_ADVANCED_CONFIG_FILE: join(baseDir, 'advanced.config'),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(baseDir, 'enabled_plugins'),
    RABBITMQ_MNESIA_BASE: join(baseDir, 'mnesia'),
    RABBITMQ_LOG_BASE: join(baseDir, 'log'),
    RABBITMQ_PID_FILE: join(baseDir, 'rabbit.pid'),
  };

  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let forgetExitHook: (() => void) | undefined;

  const start = async () => {
    if (child !== undefined) return;
    const output = openSync(logFile, 'a');
    // rabbitmq-server stays as a shell that runs beam as its child (and on SIGTERM stops it
    // gracefully): give them a process group of their own so a kill can reach both.
    const started = spawn(serverScript, [], {
      env,
      cwd: baseDir,
      stdio: ['ignore', output, output],
      detached: true,
    });
    closeSync(output);
    child = started;
    forgetExitHook = onProcessExit(() => {
      killProcessGroup(started.pid);
      rmSync(baseDir, { recursive: true, force: true, maxRetries: 3 });
    });
    let hasExited = false;
    exited = new Promise<void>((resolve) => {
      started.once('exit', () => {
        hasExited = true;
        resolve();
      });
    });
    try {
      await waitUntilAcceptingAmqp(url, () => hasExited);
    } catch (error) {
      await stop();
      throw new Error(
        `private RabbitMQ ${nodeName} did not start: ${String(error)}\n${tail(logFile)}`,
        {
          cause: error,
        },
      );
    }
  };

  const stop = async () => {
    const running = child;
    if (running === undefined) return;
    // The script traps SIGTERM and runs `rabbitmqctl stop`: queues and the quorum log are flushed.
    killQuietly(running.pid, 'SIGTERM');
    const stoppedInTime = await Promise.race([exited.then(() => true), delay(60_000, false)]);
    if (!stoppedInTime) {
      killProcessGroup(running.pid);
      await exited;
    }
    child = undefined;
    forgetExitHook?.();
  };

  const destroy = async () => {
    await stop();
    await rm(baseDir, { recursive: true, force: true, maxRetries: 3 });
  };

  await start().catch(async (error: unknown) => {
    await rm(baseDir, { recursive: true, force: true, maxRetries: 3 });
    throw error;
  });
  return {
    url,
    start,
    stop,
    restart: async () => {
      await stop();
      await start();
    },
    destroy,
  };
}

async function startDockerNode(): Promise<PrivateRabbit> {
  const [amqpPort] = (await freePorts(1)) as [number];
  const name = `mbt${randomBytes(6).toString('hex')}`;
  const url = `amqp://guest:guest@127.0.0.1:${amqpPort}`;
  const docker = (...args: string[]) =>
    promisify(execFile)('docker', args, { timeout: startupTimeoutMs });
  // A fixed hostname keeps the node name, hence its data directory, across docker stop/start.
  await docker(
    'run',
    '-d',
    '--name',
    name,
    '--hostname',
    name,
    '-p',
    `127.0.0.1:${amqpPort}:5672`,
    'rabbitmq:3.10',
  );
  const forgetExitHook = onProcessExit(() => {
    spawn('docker', ['rm', '-f', name], { stdio: 'ignore', detached: true }).unref();
  });
  const start = async () => {
    await docker('start', name);
    await waitUntilAcceptingAmqp(url, () => false);
  };
  const stop = async () => {
    await docker('stop', '-t', '60', name);
  };
  await waitUntilAcceptingAmqp(url, () => false);
  return {
    url,
    start,
    stop,
    restart: async () => {
      await stop();
      await start();
    },
    destroy: async () => {
      await docker('rm', '-f', '-v', name);
      forgetExitHook();
    },
  };
}

async function waitUntilAcceptingAmqp(url: string, hasExited: () => boolean): Promise<void> {
  const deadline = Date.now() + startupTimeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (hasExited()) throw new Error('the broker process exited during startup');
    try {
      const connection = await connect(url);
      await connection.close();
      return;
    } catch (error) {
      lastError = error;
      await delay(200);
    }
  }
  throw new Error(`no AMQP connection within ${startupTimeoutMs} ms: ${String(lastError)}`);
}

async function commandSucceeds(command: string, args: string[]): Promise<boolean> {
  try {
    await promisify(execFile)(command, args, { timeout: 15_000 });
    return true;
  } catch {
    return false;
  }
}

function tail(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no broker output)';
  }
}
