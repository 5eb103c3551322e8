import { connect } from 'amqplib';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, createTestVhost, type TestDatabase, type TestVhost } from './index.ts';

describe('test databases', () => {
  const databases: TestDatabase[] = [];
  afterAll(async () => {
    await Promise.all(databases.map((database) => database.drop()));
  });

  it('gives each caller its own database', async () => {
    const first = await createTestDatabase();
    const second = await createTestDatabase();
    databases.push(first, second);
    expect(first.url).not.toBe(second.url);

    await sql`CREATE TABLE marker (value text)`.execute(first.db);
    await first.db.insertInto('marker').values({ value: 'first' }).execute();

    const inFirst = await first.db.selectFrom('marker').select('value').execute();
    expect(inFirst).toEqual([{ value: 'first' }]);
    const tableInSecond = await second.pool.query<{ exists: string | null }>(
      `SELECT to_regclass('public.marker')::text AS exists`,
    );
    expect(tableInSecond.rows[0]?.exists).toBeNull();
  });

  it('drops the database even while a connection is open', async () => {
    const database = await createTestDatabase();
    await database.pool.query('SELECT 1');
    await database.drop();
    const [survivor] = databases;
    const remaining = await survivor!.pool.query('SELECT 1 FROM pg_database WHERE datname = $1', [
      database.name,
    ]);
    expect(remaining.rowCount).toBe(0);
  });

  it('drops the database even when a test never released its client', async () => {
    const database = await createTestDatabase();
    const leaked = await database.pool.connect();
    await leaked.query('BEGIN');
    await database.drop();
    const [survivor] = databases;
    const remaining = await survivor!.pool.query('SELECT 1 FROM pg_database WHERE datname = $1', [
      database.name,
    ]);
    expect(remaining.rowCount).toBe(0);
  });
});

describe('test vhosts', () => {
  const vhosts: TestVhost[] = [];
  afterAll(async () => {
    await Promise.all(vhosts.map((vhost) => vhost.remove()));
  });

  it('gives each caller its own vhost', async () => {
    const first = await createTestVhost();
    const second = await createTestVhost();
    vhosts.push(first, second);
    expect(first.vhost).not.toBe(second.vhost);

    const firstConnection = await connect(first.url);
    const secondConnection = await connect(second.url);
    try {
      const firstChannel = await firstConnection.createChannel();
      const secondChannel = await secondConnection.createChannel();
      secondChannel.on('error', () => undefined); // the server closes it on NOT_FOUND, below
      await firstChannel.assertQueue('only-in-first', { durable: false });
      await firstChannel.checkQueue('only-in-first');

      const missing = secondChannel.checkQueue('only-in-first');
      await expect(missing).rejects.toThrow(/NOT_FOUND/);
    } finally {
      await firstConnection.close();
      await secondConnection.close();
    }
  });
});
