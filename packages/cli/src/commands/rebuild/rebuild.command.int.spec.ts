import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registry } from '@mediabot/contracts';
import {
  createEventStore,
  migrateEventStore,
  migrateProjection,
  startProjection,
  type EventStore,
  type ProjectionDefinition,
  type Subscription,
} from '@mediabot/eventstore';
import { createTestDatabase, type TestDatabase } from '@mediabot/testing';
import { runCli } from '../../cli.ts';
import { findRepoRoot, loadServiceProjections } from '../../discovery/service-projections.ts';
import { appendUsers } from '../../testing/identity-events.ts';
import { testContext } from '../../testing/test-context.ts';

let database: TestDatabase;
let store: EventStore;
let users: ProjectionDefinition;
let live: Subscription;
let liveAtMidpoint: unknown[];
let midpoint: bigint;

beforeAll(async () => {
  database = await createTestDatabase();
  await migrateEventStore(database.db);
  store = createEventStore(database.db);
  // The test finds the projection the way the CLI does: the CLI never imports a service.
  const { projections } = await loadServiceProjections(findRepoRoot(process.cwd()), 'identity');
  users = projections.find((projection) => projection.name === 'identity.users')!;
  await migrateProjection(database.db, users);
  live = startProjection({
    db: database.db,
    connectionString: database.url,
    store,
    projection: users,
    registry,
    pollIntervalMs: 50,
  });
  midpoint = await appendUsers(store, 1, 30);
  await live.waitFor(midpoint);
  liveAtMidpoint = await tableRows(users.schema);
  await live.waitFor(await appendUsers(store, 31, 30));
});
afterAll(async () => {
  await live?.stop();
  await database?.drop();
});

async function tableRows(schema: string): Promise<unknown[]> {
  const { rows } =
    await sql`select * from ${sql.table(`${schema}.users`)} order by telegram_user_id`.execute(
      database.db,
    );
  return rows;
}

/** Columns, constraints and indexes, with the schema name taken out so two schemas compare. */
async function tableStructure(schema: string) {
  const { rows: columns } = await sql`
    select column_name, data_type, is_nullable, column_default, ordinal_position
    from information_schema.columns
    where table_schema = ${schema} and table_name = 'users' order by ordinal_position`.execute(
    database.db,
  );
  const { rows: constraints } = await sql`
    select conname, pg_get_constraintdef(c.oid) as definition
    from pg_constraint c join pg_class t on t.oid = c.conrelid join pg_namespace n on n.oid = t.relnamespace
    where n.nspname = ${schema} and t.relname = 'users' order by conname`.execute(database.db);
  const { rows: indexes } = await sql`
    select indexname, replace(indexdef, ${schema + '.'}, '') as definition from pg_indexes
    where schemaname = ${schema} and tablename = 'users' order by indexname`.execute(database.db);
  return { columns, constraints, indexes };
}

async function cli(argv: string[], options: { interrupted?: boolean } = {}) {
  const run = testContext();
  if (options.interrupted) run.interrupt.abort();
  const status = await runCli([...argv, '--database-url', database.url], run.context);
  return { status, stdout: run.stdout.text(), stderr: run.stderr.text() };
}

describe('mediabot rebuild', () => {
  it('lists identity.users among the projections', async () => {
    const listed = testContext();
    expect(await runCli(['projections'], listed.context)).toBe(0);
    expect(listed.stdout.text()).toContain('identity  identity.users  tables identity.users');
  });

  it('rebuilds identity.users into a schema of its own, equal to the live table', async () => {
    const result = await cli(['rebuild', 'identity', '--into', 'identity_check']);
    expect(result).toMatchObject({ status: 0, stderr: '' });
    expect(result.stdout).toMatch(
      /^identity\.users: applied \d+ of \d+ events read, up to position \d+/,
    );
    expect(await tableRows('identity_check')).toEqual(await tableRows(users.schema));
    expect(await tableStructure('identity_check')).toEqual(await tableStructure(users.schema));
  });

  it('rebuilds up to a position: the table as the live projection had it then', async () => {
    const result = await cli([
      'rebuild',
      'identity',
      '--projection',
      'identity.users',
      '--up-to',
      midpoint.toString(),
      '--into',
      'identity_past',
    ]);
    expect(result.status).toBe(0);
    expect(await tableRows('identity_past')).toEqual(liveAtMidpoint);
    expect(liveAtMidpoint.length).toBeLessThan((await tableRows(users.schema)).length);
  });

  it('asks for --yes before replacing live tables when there is no terminal to ask at', async () => {
    const refused = await cli(['rebuild', 'identity']);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain('replaces the live tables identity.users: pass --yes');
  });

  it('stops on Ctrl-C before touching the live tables, and says what it leaves behind', async () => {
    const before = await tableRows(users.schema);
    const stopped = await cli(['rebuild', 'identity', '--yes'], { interrupted: true });
    expect(stopped.status).toBe(130);
    expect(stopped.stderr).toMatch(
      /Interrupted: the live tables of identity\.users are untouched\. Partial rebuilds remain in schema identity_rebuild_\d+/,
    );
    expect(await tableRows(users.schema)).toEqual(before);
  });

  it('swaps the rebuilt table in; the running projection carries on from it', async () => {
    const before = await tableRows(users.schema);
    const structure = await tableStructure(users.schema);
    const result = await cli(['rebuild', 'identity', '--yes']);
    expect(result).toMatchObject({ status: 0, stderr: '' });
    expect(result.stdout).toContain('live tables in schema identity replaced');
    expect(await tableRows(users.schema)).toEqual(before);
    expect(await tableStructure(users.schema)).toEqual(structure);

    await live.waitFor(await appendUsers(store, 61, 2));
    expect(await tableRows(users.schema)).toHaveLength(before.length + 2);
  });

  it('explains unknown services, projections and schemas it must not touch (exit 2)', async () => {
    expect((await cli(['rebuild', 'nope'])).status).toBe(1);
    const unknownProjection = await cli(['rebuild', 'identity', '--projection', 'x', '--yes']);
    expect(unknownProjection).toMatchObject({ status: 2 });
    expect(unknownProjection.stderr).toContain('has no projection "x" (it has: identity.users)');
    expect((await cli(['rebuild', 'identity', '--into', 'eventstore', '--yes'])).status).toBe(2);
    expect((await cli(['rebuild', 'identity', '--into', 'identity', '--yes'])).status).toBe(2);
    expect((await cli(['rebuild', '../identity'])).status).toBe(2);
  });
});
