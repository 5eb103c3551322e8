import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { serviceNames, type ServiceName } from '@mediabot/contracts';
import { migrateEventStore, type AnyDatabase } from '@mediabot/eventstore';
import { startEmbeddedS3, type EmbeddedS3 } from '@mediabot/object-storage/embedded';
import { TelegramFake } from '@mediabot/telegram-fake';
import { freePort } from './free-port.ts';
import {
  startServiceProcess,
  waitUntilReady,
  type LogSink,
  type ServiceProcess,
} from './service-process.ts';

export const repositoryRoot = fileURLToPath(new URL('../../../', import.meta.url));

export interface S3Settings {
  endpoint: string;
  accessKey: string;
  secretKey: string;
  region: string;
}

export type TelegramSettings =
  | { kind: 'fake'; token?: string }
  | {
      kind: 'real';
      token: string;
      apiRoot?: string;
      mode: 'polling' | 'webhook';
      webhookPublicUrl?: string;
      webhookSecret?: string;
    };

export interface StackOptions {
  databaseUrl: string;
  rabbitmqUrl: string;
  redisUrl: string;
  /** Names every exchange and queue; tests give each stack its own. */
  prefix?: string;
  /** Downloads, uploads of the fake, embedded S3 data. */
  workDir: string;
  telegram: TelegramSettings;
  /** External S3 (MinIO); an embedded s3rver when absent. */
  s3?: S3Settings;
  /** Which services to run (default: every service that exists in this checkout). */
  services?: readonly ServiceName[];
  /** Extra environment for one service (tests shrink limits and intervals this way). */
  serviceEnv?: Partial<Record<ServiceName | 'relay', Record<string, string>>>;
  /** Loopback links allowed on these ports (local runs and tests only: the sample media server is on 127.0.0.1). */
  allowLoopbackLinks?: { ports: readonly number[] };
  log: LogSink;
  logLevel?: string;
  /** How long each process may take to answer /readyz (default 60 s; a loaded CI machine needs more). */
  readyTimeoutMs?: number;
}

export interface Stack {
  telegram: { apiRoot: string; token: string; fake: TelegramFake | undefined };
  s3: S3Settings;
  processes: Map<string, ServiceProcess>;
  /** Starts (again) one service, e.g. after a test killed it. */
  restart(name: ServiceName | 'relay'): Promise<ServiceProcess>;
  stop(): Promise<void>;
}

export function availableServices(): ServiceName[] {
  return serviceNames.filter((name) =>
    existsSync(join(repositoryRoot, 'services', name, 'src', 'main.ts')),
  );
}

/**
 * The Node options every service's image starts it with (the `CMD` of services/<name>/Dockerfile;
 * docs/deployment.md says why): the services run here as they do in production.
 */
export const serviceNodeOptions: readonly string[] = ['--max-semi-space-size=2'];

const relayEntry = join(repositoryRoot, 'packages', 'messaging', 'src', 'relay', 'main.ts');

/** Starts the whole product as separate processes, the way it runs in production. */
export async function startStack(options: StackOptions): Promise<Stack> {
  const prefix = options.prefix ?? 'mediabot';
  await mkdir(options.workDir, { recursive: true });
  const cleanups: (() => Promise<void>)[] = [];

  let embeddedS3: EmbeddedS3 | undefined;
  let s3 = options.s3;
  if (!s3) {
    const credentials = { accessKey: 'mediabot-local', secretKey: 'mediabot-local-secret' };
    embeddedS3 = await startEmbeddedS3({
      directory: join(options.workDir, 's3'),
      port: 0,
      ...credentials,
    });
    cleanups.push(() => embeddedS3!.close());
    s3 = { endpoint: embeddedS3.endpoint, region: 'us-east-1', ...credentials };
  }

  let fake: TelegramFake | undefined;
  let telegramEnv: Record<string, string>;
  if (options.telegram.kind === 'fake') {
    fake = await TelegramFake.start({
      ...(options.telegram.token ? { token: options.telegram.token } : {}),
      fileDirectory: join(options.workDir, 'telegram-files'),
    });
    cleanups.push(() => fake!.close());
    telegramEnv = {
      TELEGRAM_BOT_TOKEN: fake.token,
      TELEGRAM_API_ROOT: fake.apiRoot,
      GATEWAY_MODE: 'polling',
      POLLING_TIMEOUT_SECONDS: '10',
    };
  } else {
    telegramEnv = {
      TELEGRAM_BOT_TOKEN: options.telegram.token,
      ...(options.telegram.apiRoot ? { TELEGRAM_API_ROOT: options.telegram.apiRoot } : {}),
      GATEWAY_MODE: options.telegram.mode,
      ...(options.telegram.webhookPublicUrl
        ? { WEBHOOK_PUBLIC_URL: options.telegram.webhookPublicUrl }
        : {}),
      ...(options.telegram.webhookSecret ? { WEBHOOK_SECRET: options.telegram.webhookSecret } : {}),
    };
  }

  const sharedEnv: Record<string, string> = {
    NODE_ENV: 'development',
    LOG_LEVEL: options.logLevel ?? 'info',
    DATABASE_URL: options.databaseUrl,
    RABBITMQ_URL: options.rabbitmqUrl,
    REDIS_URL: options.redisUrl,
    RABBITMQ_PREFIX: prefix,
    S3_ENDPOINT: s3.endpoint,
    S3_ACCESS_KEY: s3.accessKey,
    S3_SECRET_KEY: s3.secretKey,
    S3_REGION: s3.region,
    S3_BUCKET_MEDIA: `${prefix}-media`.replace(/_/g, '-'),
    S3_BUCKET_RAW: `${prefix}-raw`.replace(/_/g, '-'),
    DOWNLOAD_WORK_DIR: join(options.workDir, 'downloads'),
    TRANSCODE_WORK_DIR: join(options.workDir, 'transcodes'),
    NOTIFIER_REDIS_PREFIX: `${prefix}:notifier`,
    GATEWAY_REDIS_PREFIX: `${prefix}:gateway`,
    ...(options.allowLoopbackLinks
      ? {
          EGRESS_ALLOW_CIDRS: '127.0.0.0/8',
          EGRESS_ALLOW_PORTS: options.allowLoopbackLinks.ports.join(','),
        }
      : {}),
    ...telegramEnv,
  };

  // Migrate once before anything starts (each process would also do it, racing on a lock).
  const migrationDb: AnyDatabase = new Kysely({
    dialect: new PostgresDialect({
      pool: new pg.Pool({ connectionString: options.databaseUrl, max: 1 }),
    }),
  });
  try {
    await migrateEventStore(migrationDb);
  } finally {
    await migrationDb.destroy();
  }

  const processes = new Map<string, ServiceProcess>();
  const launch = async (name: ServiceName | 'relay'): Promise<ServiceProcess> => {
    const entry =
      name === 'relay' ? relayEntry : join(repositoryRoot, 'services', name, 'src', 'main.ts');
    const child = startServiceProcess({
      name,
      entry,
      ...(name === 'relay' ? {} : { nodeOptions: serviceNodeOptions }),
      env: {
        ...sharedEnv,
        ...(name === 'relay' ? { RELAY_CHECKPOINT_SCHEMA: `relay` } : {}),
        ...options.serviceEnv?.[name],
      },
      httpPort: await freePort(),
      log: options.log,
    });
    processes.set(name, child);
    return child;
  };

  const stopAll = async () => {
    await Promise.all([...processes.values()].map((child) => child.stop()));
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  };

  try {
    const services = options.services ?? availableServices();
    const started = await Promise.all([launch('relay'), ...services.map((name) => launch(name))]);
    await Promise.all(started.map((child) => waitUntilReady(child, options.readyTimeoutMs)));
  } catch (error) {
    await stopAll();
    throw error;
  }

  return {
    telegram: {
      apiRoot: sharedEnv.TELEGRAM_API_ROOT ?? 'https://api.telegram.org',
      token: sharedEnv.TELEGRAM_BOT_TOKEN ?? '',
      fake,
    },
    s3,
    processes,
    async restart(name) {
      await processes.get(name)?.stop();
      const child = await launch(name);
      await waitUntilReady(child, options.readyTimeoutMs);
      return child;
    },
    stop: stopAll,
  };
}
