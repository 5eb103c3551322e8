import { setTimeout as delay } from 'node:timers/promises';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { serviceUrls } from './service-urls.ts';
import { isAbandonedTestName, uniqueTestName } from './unique-name.ts';

export interface TestDatabase {
  name: string;
  url: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each test brings its own schema
  db: Kysely<any>;
  pool: pg.Pool;
  /**
   * Another pool on this database (a second replica, say). drop() ends it with the first, and
   * what DROP ... WITH (FORCE) does to its sessions is expected there too.
   */
  openPool(max?: number): pg.Pool;
  /** Closes the pools and drops the database, disconnecting anything still attached. */
  drop(): Promise<void>;
}

/** A fresh database per test file (CREATE DATABASE mediabot_t_<random>); call drop() in afterAll. */
export async function createTestDatabase(
  options: { poolSize?: number } = {},
): Promise<TestDatabase> {
  const { postgres: serverUrl } = await serviceUrls();
  const name = uniqueTestName();
  await withAdminClient(serverUrl, async (admin) => {
    await admin.query(`CREATE DATABASE "${name}"`);
    sweptAbandoned ??= dropAbandonedDatabases(admin);
    await sweptAbandoned;
  });
  const url = databaseUrl(serverUrl, name);
  const poolClients = new Set<pg.PoolClient>();
  const extraPools: pg.Pool[] = [];
  let dropping = false;
  const ignoreError = () => undefined;
  const trackedPool = (max: number): pg.Pool => {
    const tracked = new pg.Pool({ connectionString: url, max });
    tracked.on('connect', (client) => {
      poolClients.add(client);
      if (dropping) client.on('error', ignoreError);
    });
    tracked.on('remove', (client) => {
      poolClients.delete(client);
      // Ended with its pool, its session may still be closing when the drop cuts it.
      if (tracked.ending || dropping) client.on('error', ignoreError);
    });
    return tracked;
  };
  const pool = trackedPool(options.poolSize ?? 5);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- see TestDatabase.db
  const db = new Kysely<any>({ dialect: new PostgresDialect({ pool }) });
  const openPool = (max = 5): pg.Pool => {
    const extra = trackedPool(max);
    extraPools.push(extra);
    return extra;
  };

  let dropped: Promise<void> | undefined;
  const drop = () => {
    dropped ??= (async () => {
      // From here on, connections dying under DROP ... WITH (FORCE) are expected, not news.
      dropping = true;
      for (const each of [pool, ...extraPools]) each.on('error', ignoreError);
      for (const client of poolClients) client.on('error', ignoreError);
      await Promise.all(
        extraPools.filter((extra) => !extra.ending).map((extra) => extra.end().catch(ignoreError)),
      );
      // pool.end() waits for every checked-out client, and a test that failed mid-transaction
      // never returns its client: then go straight to FORCE, which ends those sessions.
      const leakedClients = pool.totalCount - pool.idleCount;
      const poolEnded = (async () => {
        await db.destroy(); // ends the pool only if kysely ever used it
        if (!pool.ending) await pool.end();
      })();
      if (leakedClients > 0) poolEnded.catch(ignoreError);
      else await poolEnded;
      await withAdminClient(serverUrl, async (admin) => {
        // pool.end() resolves before its sockets close; letting those sessions leave on their
        // own spares their clients a FATAL "terminating connection" error from FORCE.
        if (leakedClients === 0) await waitUntilNoSessions(admin, name);
        await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      });
    })();
    return dropped;
  };
  return { name, url, db, pool, openPool, drop };
}

let sweptAbandoned: Promise<void> | undefined;

/** Databases that crashed runs left behind (hours old), dropped once per test process. */
async function dropAbandonedDatabases(admin: pg.Client): Promise<void> {
  const candidates = await admin.query<{ datname: string }>(
    "SELECT datname FROM pg_database WHERE datname LIKE 'mediabot\\_t\\_%'",
  );
  for (const { datname } of candidates.rows) {
    if (!isAbandonedTestName(datname)) continue;
    // Another test process may be sweeping the same one.
    await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`).catch(() => undefined);
  }
}

async function waitUntilNoSessions(admin: pg.Client, database: string): Promise<void> {
  const deadline = Date.now() + 2_000;
  while (Date.now() < deadline) {
    const sessions = await admin.query('SELECT 1 FROM pg_stat_activity WHERE datname = $1', [
      database,
    ]);
    if (sessions.rowCount === 0) return;
    await delay(20);
  }
}

function databaseUrl(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

async function withAdminClient<T>(
  serverUrl: string,
  work: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
