import { randomBytes } from 'node:crypto';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { serviceUrls } from '@mediabot/testing';

/** A database of a benchmark's own on the loopback server: `bench_<name>_<random>`. */
export interface BenchDatabase {
  name: string;
  url: string;
  serverUrl: string;
  /** A Kysely instance on its own pool of `poolSize` connections. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- benchmarks use raw SQL across schemas
  open(poolSize: number): { db: Kysely<any>; pool: pg.Pool };
  /** Closes every pool opened here and drops the database (FORCE: nothing may keep it alive). */
  drop(): Promise<void>;
}

function uniqueName(benchName: string): string {
  return `bench_${benchName}_${randomBytes(4).toString('hex')}`;
}

export async function adminQuery<T extends pg.QueryResultRow>(
  serverUrl: string,
  text: string,
  values: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

export async function createBenchDatabase(benchName: string): Promise<BenchDatabase> {
  const { postgres: serverUrl } = await serviceUrls();
  const name = uniqueName(benchName);
  await adminQuery(serverUrl, `CREATE DATABASE "${name}"`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- see BenchDatabase.open
  const opened: Kysely<any>[] = [];
  const pools: pg.Pool[] = [];
  return {
    name,
    url: url.toString(),
    serverUrl,
    open(poolSize) {
      const pool = new pg.Pool({ connectionString: url.toString(), max: poolSize });
      pool.on('error', () => {});
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- see BenchDatabase.open
      const db = new Kysely<any>({ dialect: new PostgresDialect({ pool }) });
      opened.push(db);
      pools.push(pool);
      return { db, pool };
    },
    async drop() {
      await Promise.allSettled(opened.map((db) => db.destroy()));
      await Promise.allSettled(pools.filter((pool) => !pool.ending).map((pool) => pool.end()));
      await adminQuery(serverUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    },
  };
}

/** A RabbitMQ vhost of a benchmark's own, created through the management API. */
export interface BenchVhost {
  vhost: string;
  url: string;
  remove(): Promise<void>;
}

const managementUrl = process.env.RABBITMQ_MANAGEMENT_URL ?? 'http://guest:guest@127.0.0.1:15672';

export async function management(method: string, path: string, body?: unknown): Promise<unknown> {
  const parsed = new URL(managementUrl);
  const authorization =
    'Basic ' +
    Buffer.from(
      `${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`,
    ).toString('base64');
  const response = await fetch(`${parsed.protocol}//${parsed.host}/api${path}`, {
    method,
    headers: { authorization, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(15_000),
  });
  if (!response.ok && !(method === 'DELETE' && response.status === 404)) {
    throw new Error(`RabbitMQ management ${method} ${path}: ${response.status}`);
  }
  const text = await response.text();
  return text === '' ? undefined : (JSON.parse(text) as unknown);
}

export async function createBenchVhost(benchName: string): Promise<BenchVhost> {
  const { rabbitmq } = await serviceUrls();
  const vhost = uniqueName(benchName);
  const amqpUrl = new URL(rabbitmq);
  const user = amqpUrl.username === '' ? 'guest' : decodeURIComponent(amqpUrl.username);
  await management('PUT', `/vhosts/${encodeURIComponent(vhost)}`, {});
  await management('PUT', `/permissions/${encodeURIComponent(vhost)}/${encodeURIComponent(user)}`, {
    configure: '.*',
    write: '.*',
    read: '.*',
  });
  amqpUrl.pathname = `/${encodeURIComponent(vhost)}`;
  return {
    vhost,
    url: amqpUrl.toString(),
    remove: async () => {
      await management('DELETE', `/vhosts/${encodeURIComponent(vhost)}`);
    },
  };
}
