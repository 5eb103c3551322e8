import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { Registry } from 'prom-client';
import {
  createEventStore,
  logStart,
  migrateEventStore,
  type EventStore,
} from '@mediabot/eventstore';
import { createTestDatabase, type TestDatabase } from '@mediabot/testing';
import { appendUsers, waitUntil } from '../testing/fixtures.ts';
import type { MessagingLogger } from '../shared/logger.ts';
import { sampleLogHealth, startLogHealthSampler } from './log-health.ts';
import { createRelayMetrics } from './observer.ts';

let database: TestDatabase;
let store: EventStore;

beforeAll(async () => {
  database = await createTestDatabase();
  await migrateEventStore(database.db);
  store = createEventStore(database.db);
});

afterAll(async () => {
  await database?.drop();
});

/** Another session with a transaction id, open until `commit()`. */
async function openTransaction(
  applicationName: string,
): Promise<{ pid: number; commit(): Promise<void> }> {
  const client = new pg.Client({
    connectionString: database.url,
    application_name: applicationName,
  });
  await client.connect();
  await client.query('begin');
  const { rows } = await client.query<{ pid: number }>(
    'select pg_backend_pid() as pid, pg_current_xact_id()',
  );
  return {
    pid: rows[0]?.pid ?? -1,
    async commit() {
      await client.query('commit');
      await client.end();
    },
  };
}

function recordingLogger(): {
  warnings: { details: object; message: string }[];
  logger: MessagingLogger;
} {
  const warnings: { details: object; message: string }[] = [];
  const ignore = () => {};
  return {
    warnings,
    logger: {
      debug: ignore,
      info: ignore,
      error: ignore,
      warn: (details, message) => void warnings.push({ details, message }),
    },
  };
}

async function gauge(registry: Registry, name: string): Promise<number | undefined> {
  const metric = (await registry.getMetricsAsJSON()).find((entry) => entry.name === name);
  return metric?.values[0]?.value;
}

describe('sampleLogHealth', () => {
  it('reports the highest committed position, including events readers cannot see yet', async () => {
    const before = await sampleLogHealth(database.db);
    const { lastPosition } = await appendUsers(store, 2);
    expect((await sampleLogHealth(database.db)).headPosition).toBe(lastPosition);
    expect(lastPosition).toBeGreaterThan(before.headPosition);

    // A transaction still open holds readers below its xid; the head moves on regardless.
    const blocker = await openTransaction('log-health-head-test');
    try {
      const { lastPosition: beyondReaders } = await appendUsers(store, 1);
      expect((await sampleLogHealth(database.db)).headPosition).toBe(beyondReaders);
      const visible = await store.readAll({ after: logStart, limit: 1000 });
      expect(visible.map((event) => event.globalPosition)).not.toContain(beyondReaders);
    } finally {
      await blocker.commit();
    }
  });

  it('reports an open transaction in another session, growing with its age', async () => {
    const blocker = await openTransaction('log-health-age-test');
    try {
      await delay(300);
      const first = await sampleLogHealth(database.db);
      await delay(700);
      const second = await sampleLogHealth(database.db);
      // Other sessions on the server (benchmarks, other tests) may hold an even older one.
      expect(first.oldestTransaction?.seconds).toBeGreaterThanOrEqual(0.3);
      expect(second.oldestTransaction?.seconds).toBeGreaterThanOrEqual(1);
      if (second.oldestTransaction?.pid === blocker.pid)
        expect(second.oldestTransaction).toMatchObject({
          applicationName: 'log-health-age-test',
          state: 'idle in transaction',
        });
    } finally {
      await blocker.commit();
    }
  });
});

describe('startLogHealthSampler', () => {
  it('exports the head and the oldest transaction, and warns about a long one once a minute', async () => {
    const registry = new Registry();
    const { warnings, logger } = recordingLogger();
    const blocker = await openTransaction('log-health-sampler-test');
    const sampler = startLogHealthSampler({
      db: database.db,
      intervalMs: 50,
      warnAfterSeconds: 0.5,
      logger,
      observer: createRelayMetrics(registry),
    });
    try {
      const { lastPosition } = await appendUsers(store, 1);
      await waitUntil(
        async () =>
          (await gauge(registry, 'mediabot_eventstore_head_position')) === Number(lastPosition),
        'the head gauge to follow the append',
      );
      await waitUntil(
        async () =>
          ((await gauge(registry, 'mediabot_eventstore_oldest_transaction_seconds')) ?? 0) >= 1,
        'the oldest transaction gauge to pass 1 s',
      );
      await delay(300); // several more samples above the threshold
      const longTransactionWarnings = warnings.filter((warning) =>
        warning.message.startsWith('A long transaction'),
      );
      expect(longTransactionWarnings).toHaveLength(1);
      expect(longTransactionWarnings[0]?.details).toMatchObject({
        seconds: expect.any(Number) as unknown,
        applicationName: expect.any(String) as unknown,
      });
    } finally {
      await sampler.stop();
      await blocker.commit();
    }
  });

  it('keeps sampling after a failure', async () => {
    const pool = new pg.Pool({
      connectionString: 'postgres://postgres@127.0.0.1:1/none',
      connectionTimeoutMillis: 500,
    });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- never reaches a schema
    const unreachable = new Kysely<any>({ dialect: new PostgresDialect({ pool }) });
    const { warnings, logger } = recordingLogger();
    const sampler = startLogHealthSampler({ db: unreachable, intervalMs: 20, logger });
    try {
      await waitUntil(() => warnings.length >= 3, 'three failed samples');
      expect(warnings[0]?.message).toBe('Could not sample the event log');
    } finally {
      await sampler.stop();
      await unreachable.destroy();
    }
  });
});
