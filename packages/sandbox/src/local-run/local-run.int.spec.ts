import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { serviceUrls } from '@mediabot/testing';
import { processesWithEnvironment } from '../process-table.ts';
import { databaseNameOf, prepareDatabase } from './database.ts';
import { localRunMarker, sweepLeftovers } from './run.ts';

const createdDatabases: string[] = [];

afterAll(async () => {
  const { postgres } = await serviceUrls();
  const admin = new pg.Client({ connectionString: postgres });
  await admin.connect();
  for (const name of createdDatabases) {
    await admin.query(`drop database if exists "${name}" with (force)`);
  }
  await admin.end();
});

describe('prepareDatabase', () => {
  it('creates a missing database and its event store, and does nothing the second time', async () => {
    const { postgres } = await serviceUrls();
    const url = new URL(postgres);
    url.pathname = `/mediabot_up_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
    createdDatabases.push(databaseNameOf(url.toString()));

    expect(await prepareDatabase(url.toString())).toEqual({ created: true });
    expect(await prepareDatabase(url.toString())).toEqual({ created: false });

    const client = new pg.Client({ connectionString: url.toString() });
    await client.connect();
    try {
      const tables = await client.query<{ table_name: string }>(
        "select table_name from information_schema.tables where table_schema = 'eventstore' order by 1",
      );
      expect(tables.rows.map((row) => row.table_name)).toEqual(
        expect.arrayContaining(['events', 'streams']),
      );
    } finally {
      await client.end();
    }
  });
});

describe('sweepLeftovers', () => {
  it("kills what carries the run's marker, orphans in other process groups included", async () => {
    const marker = randomUUID();
    // A shell in its own process group whose child sleeps: like yt-dlp started by a service.
    const shell = spawn('sh', ['-c', 'sleep 120 & echo started; wait'], {
      detached: true,
      stdio: ['ignore', 'pipe', 'ignore'],
      env: { ...process.env, [localRunMarker]: marker },
    });
    await once(shell.stdout, 'data');
    const before = await processesWithEnvironment(localRunMarker, marker);
    expect(before.map((info) => info.name).sort()).toEqual(['sh', 'sleep']);

    const killed = await sweepLeftovers(marker);
    expect(killed.map((info) => info.name).sort()).toEqual(['sh', 'sleep']);
    await once(shell, 'exit');
    expect(await processesWithEnvironment(localRunMarker, marker)).toEqual([]);
  });
});
