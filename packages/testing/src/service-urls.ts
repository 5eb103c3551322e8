import { execFile } from 'node:child_process';
import { mkdir, rmdir, stat } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';

export interface ServiceUrls {
  postgres: string;
  rabbitmq: string;
  redis: string;
}

const defaultUrls: ServiceUrls = {
  postgres: 'postgres://postgres@127.0.0.1:5432/postgres',
  rabbitmq: 'amqp://guest:guest@127.0.0.1:5672',
  redis: 'redis://127.0.0.1:6379',
};

const startCommands: Record<keyof ServiceUrls, string> = {
  postgres: 'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start',
  rabbitmq: 'rabbitmq-server -detached && rabbitmqctl await_startup',
  redis:
    'redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log',
};

interface ResolvedServices {
  urls: ServiceUrls;
  /** RabbitMQ management HTTP API base, credentials included, e.g. http://guest:guest@127.0.0.1:15672 */
  rabbitManagementUrl: string;
}

let resolved: Promise<ResolvedServices> | undefined;

/**
 * Service URLs from env (DATABASE_URL / TEST_DATABASE_URL, RABBITMQ_URL, REDIS_URL), defaulting
 * to loopback. A service left at its default that does not answer is started with
 * testcontainers when Docker is available (GitHub Actions); otherwise this fails naming the
 * command that starts it.
 */
export async function serviceUrls(): Promise<ServiceUrls> {
  return (await resolveServices()).urls;
}

export async function rabbitManagementUrl(): Promise<string> {
  return (await resolveServices()).rabbitManagementUrl;
}

function resolveServices(): Promise<ResolvedServices> {
  resolved ??= discoverServices(process.env);
  return resolved;
}

async function discoverServices(env: NodeJS.ProcessEnv): Promise<ResolvedServices> {
  const configured: Partial<ServiceUrls> = {};
  const postgres = nonEmpty(env.TEST_DATABASE_URL) ?? nonEmpty(env.DATABASE_URL);
  const rabbitmq = nonEmpty(env.RABBITMQ_URL);
  const redis = nonEmpty(env.REDIS_URL);
  if (postgres !== undefined) configured.postgres = postgres;
  if (rabbitmq !== undefined) configured.rabbitmq = rabbitmq;
  if (redis !== undefined) configured.redis = redis;
  const urls: ServiceUrls = { ...defaultUrls, ...configured };
  const names = Object.keys(urls) as (keyof ServiceUrls)[];
  const answering = await Promise.all(names.map((name) => answers(urls[name])));
  const missing = names.filter(
    (name, index) => !answering[index] && configured[name] === undefined,
  );
  const unreachableConfigured = names.filter(
    (name, index) => !answering[index] && configured[name] !== undefined,
  );
  if (unreachableConfigured.length > 0) {
    throw new Error(
      `Configured service(s) do not answer: ${unreachableConfigured.map((name) => `${name} at ${redact(urls[name])}`).join(', ')}`,
    );
  }
  let managementUrl = nonEmpty(env.RABBITMQ_MANAGEMENT_URL) ?? managementUrlFor(urls.rabbitmq);
  if (missing.length > 0) {
    if (!(await dockerAvailable())) {
      throw new Error(
        'Test services are down and Docker is not available. Start them with `./dev services`, or run:\n' +
          missing.map((name) => `  ${name}: ${startCommands[name]}`).join('\n'),
      );
    }
    const started = await startContainers(missing);
    Object.assign(urls, started.urls);
    if (started.rabbitManagementUrl !== undefined) managementUrl = started.rabbitManagementUrl;
  }
  return { urls, rabbitManagementUrl: managementUrl };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

function redact(url: string): string {
  const parsed = new URL(url);
  if (parsed.password !== '') parsed.password = '***';
  return parsed.toString();
}

function managementUrlFor(amqpUrl: string): string {
  const amqp = new URL(amqpUrl);
  const user = amqp.username === '' ? 'guest' : amqp.username;
  const password = amqp.password === '' ? 'guest' : amqp.password;
  return `http://${user}:${password}@${amqp.hostname}:15672`;
}

const defaultPorts: Record<string, number> = {
  'postgres:': 5432,
  'postgresql:': 5432,
  'amqp:': 5672,
  'redis:': 6379,
};

/** True when something accepts TCP connections at the URL's host and port. */
export function answers(url: string, timeoutMs = 1_000): Promise<boolean> {
  const parsed = new URL(url);
  const port = parsed.port === '' ? (defaultPorts[parsed.protocol] ?? 0) : Number(parsed.port);
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const finish = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.once('connect', () => finish(true));
    socket.once('error', () => finish(false));
  });
}

async function dockerAvailable(): Promise<boolean> {
  try {
    await promisify(execFile)('docker', ['info'], { timeout: 15_000 });
    return true;
  } catch {
    return false;
  }
}

/**
 * Containers are created with reuse so that every test file (each its own worker) shares one
 * set; a file lock keeps parallel workers from creating duplicates.
 */
async function startContainers(
  names: (keyof ServiceUrls)[],
): Promise<{ urls: Partial<ServiceUrls>; rabbitManagementUrl?: string }> {
  return withDirectoryLock(join(tmpdir(), 'mediabot-testcontainers.lock'), async () => {
    const urls: Partial<ServiceUrls> = {};
    let rabbitManagementUrl: string | undefined;
    for (const name of names) {
      if (name === 'postgres') {
        const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
        const container = await new PostgreSqlContainer('postgres:15-alpine')
          .withUsername('postgres')
          .withPassword('postgres')
          .withDatabase('postgres')
          .withReuse()
          .start();
        urls.postgres = container.getConnectionUri();
      } else if (name === 'rabbitmq') {
        const { RabbitMQContainer } = await import('@testcontainers/rabbitmq');
        const container = await new RabbitMQContainer('rabbitmq:3.10-management')
          .withReuse()
          .start();
        urls.rabbitmq = container.getAmqpUrl();
        rabbitManagementUrl = `http://guest:guest@${container.getHost()}:${container.getMappedPort(15672)}`;
      } else {
        const { RedisContainer } = await import('@testcontainers/redis');
        const container = await new RedisContainer('redis:7-alpine').withReuse().start();
        urls.redis = container.getConnectionUrl();
      }
    }
    return rabbitManagementUrl === undefined ? { urls } : { urls, rabbitManagementUrl };
  });
}

async function withDirectoryLock<T>(lockDir: string, work: () => Promise<T>): Promise<T> {
  const staleAfterMs = 10 * 60_000;
  for (;;) {
    try {
      await mkdir(lockDir);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const age = await stat(lockDir).then(
        (info) => Date.now() - info.mtimeMs,
        () => 0,
      );
      if (age > staleAfterMs) await rmdir(lockDir).catch(() => undefined);
      await delay(250);
    }
  }
  try {
    return await work();
  } finally {
    await rmdir(lockDir).catch(() => undefined);
  }
}
