import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserRegistered, type RecordedEnvelope } from '@mediabot/contracts';
import { createEventStore, migrateEventStore, type EventStore } from '@mediabot/eventstore';
import { createTestDatabase, type TestDatabase } from '@mediabot/testing';
import { runCli } from '../../cli.ts';
import { appendUsers, userStream } from '../../testing/identity-events.ts';
import { waitUntilLogSettled } from '../../testing/settled-log.ts';
import { stdinFrom, testContext } from '../../testing/test-context.ts';
import { toNdjsonLine } from '../../output/event-format.ts';

let source: TestDatabase;
let target: TestDatabase;
let sourceStore: EventStore;
let targetStore: EventStore;
let workDir: string;

beforeAll(async () => {
  [source, target] = await Promise.all([createTestDatabase(), createTestDatabase()]);
  await migrateEventStore(source.db);
  sourceStore = createEventStore(source.db);
  targetStore = createEventStore(target.db);
  await appendUsers(sourceStore, 1, 40);
  await waitUntilLogSettled(source.db, sourceStore);
  workDir = await mkdtemp(join(tmpdir(), 'mediabot-cli-'));
});
afterAll(async () => {
  await Promise.all([source?.drop(), target?.drop()]);
  await rm(workDir, { recursive: true, force: true });
});

async function wholeLog(store: EventStore): Promise<RecordedEnvelope[]> {
  await waitUntilLogSettled(store === sourceStore ? source.db : target.db, store);
  return store.readAll({ after: { transactionId: 0n, globalPosition: 0n }, limit: 100_000 });
}

/** Everything an event keeps across databases: all but its place in the global log. */
const portable = ({ globalPosition: _g, transactionId: _t, ...event }: RecordedEnvelope) => event;

async function cli(argv: string[], stdinText?: string, options: { interrupted?: boolean } = {}) {
  const run = testContext(stdinText === undefined ? {} : { stdin: stdinFrom(stdinText) });
  if (options.interrupted) run.interrupt.abort();
  const status = await runCli(argv, run.context);
  return { status, stdout: run.stdout.text(), stderr: run.stderr.text() };
}

describe('export then import', () => {
  it('copies every event (ids, streams, versions, data, order) into another database', async () => {
    const file = join(workDir, 'log.ndjson');
    const exported = await cli(['export', '--out', file, '--database-url', source.url]);
    expect(exported).toMatchObject({ status: 0, stderr: '' });
    const sourceLog = await wholeLog(sourceStore);
    expect(exported.stdout).toContain(`Exported ${sourceLog.length} events`);
    const lines = (await readFile(file, 'utf8')).trimEnd().split('\n');
    expect(lines).toEqual(sourceLog.map(toNdjsonLine));
    expect(JSON.parse(lines[0]!)).toMatchObject({ globalPosition: '1', streamVersion: '1' });

    const imported = await cli(['import', '--in', file, '--database-url', target.url]);
    expect(imported.status).toBe(0);
    expect(imported.stdout).toContain(`Imported ${sourceLog.length} events (0 already present)`);
    expect((await wholeLog(targetStore)).map(portable)).toEqual(sourceLog.map(portable));
  });

  it('is idempotent: importing again (here through stdin) appends nothing', async () => {
    const before = await wholeLog(targetStore);
    const exported = await cli(['export', '--out', '-', '--database-url', source.url]);
    expect(exported.status).toBe(0);
    const again = await cli(['import', '--in', '-', '--database-url', target.url], exported.stdout);
    expect(again.status).toBe(0);
    expect(again.stdout).toContain(`Imported 0 events (${before.length} already present)`);
    expect(await wholeLog(targetStore)).toEqual(before);
  });

  it('exports a range and a type', async () => {
    const { stdout } = await cli([
      'export',
      '--out',
      '-',
      '--from',
      '5',
      '--to',
      '30',
      '--type',
      'identity.user-registered',
      '--database-url',
      source.url,
    ]);
    const records = stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { globalPosition: string; type: string });
    expect(records.length).toBeGreaterThan(0);
    for (const record of records) {
      expect(BigInt(record.globalPosition)).toBeGreaterThanOrEqual(5n);
      expect(BigInt(record.globalPosition)).toBeLessThanOrEqual(30n);
      expect(record.type).toBe(UserRegistered.type);
    }
  });

  it('stops at a malformed line, naming it, with nothing from it on written; the fixed file then completes', async () => {
    const [first, second, third, fourth] = userStream(1001, 3).map((event, index) =>
      toNdjsonLine({
        ...event,
        globalPosition: 900n + BigInt(index),
        transactionId: 1n,
        streamVersion: BigInt(index + 1),
      }),
    );
    const other = userStream(1002, 0).map((event) =>
      toNdjsonLine({ ...event, globalPosition: 990n, transactionId: 1n, streamVersion: 1n }),
    );
    const before = (await wholeLog(targetStore)).length;
    const broken = [first, second, '{"eventId": "not a uuid"', third, fourth, ...other].join('\n');
    const failed = await cli(['import', '--in', '-', '--database-url', target.url], broken);
    expect(failed.status).toBe(1);
    expect(failed.stderr).toMatch(/Line 3 is not a valid exported event: not JSON/);
    expect(failed.stderr).toContain('Nothing from line 3 on was imported');
    expect(await targetStore.streamVersion('user-1001')).toBe(2n);
    expect(await targetStore.streamVersion('user-1002')).toBeNull();
    expect((await wholeLog(targetStore)).length).toBe(before + 2);

    const invalidData = JSON.stringify({ ...JSON.parse(third!), data: { telegramUserId: -1 } });
    const contractBroken = await cli(
      ['import', '--in', '-', '--database-url', target.url],
      [first, second, invalidData].join('\n'),
    );
    expect(contractBroken.status).toBe(1);
    expect(contractBroken.stderr).toMatch(
      /Line 3 is not a valid exported event: identity.user-settings-changed v1/,
    );

    // The stream's batch now straddles what is already there: the first two are recognised.
    const fixed = [first, second, third, fourth, ...other].join('\n');
    const completed = await cli(['import', '--in', '-', '--database-url', target.url], fixed);
    expect(completed).toMatchObject({ status: 0, stderr: '' });
    expect(completed.stdout).toContain('Imported 3 events (2 already present)');
    expect(await targetStore.streamVersion('user-1001')).toBe(4n);
    expect(await targetStore.streamVersion('user-1002')).toBe(1n);
  });

  it('refuses an export that continues a stream the target does not have', async () => {
    const [, secondOnly] = userStream(2001, 1).map((event, index) =>
      toNdjsonLine({
        ...event,
        globalPosition: 1n,
        transactionId: 1n,
        streamVersion: BigInt(index + 1),
      }),
    );
    const result = await cli(
      ['import', '--in', '-', '--database-url', target.url],
      `${secondOnly}\n`,
    );
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(
      /Line 1: stream user-2001 is not in the target, but the export continues it at version 2/,
    );
  });

  it('explains a missing --in and an unreadable file', async () => {
    expect(await cli(['import', '--database-url', target.url])).toMatchObject({ status: 2 });
    const missing = await cli([
      'import',
      '--in',
      join(workDir, 'nope.ndjson'),
      '--database-url',
      target.url,
    ]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('nope.ndjson');
  });

  it('stops on Ctrl-C: export leaves no file, import says where it stopped (exit 130)', async () => {
    const file = join(workDir, 'interrupted.ndjson');
    const exported = await cli(['export', '--out', file, '--database-url', source.url], undefined, {
      interrupted: true,
    });
    expect(exported.status).toBe(130);
    expect(exported.stderr).toContain(`Nothing was written to ${file}.`);
    await expect(readFile(file)).rejects.toThrow(/ENOENT/);
    await expect(readFile(`${file}.partial`)).rejects.toThrow(/ENOENT/);

    const imported = await cli(['import', '--in', '-', '--database-url', target.url], '\n', {
      interrupted: true,
    });
    expect(imported.status).toBe(130);
    expect(imported.stderr).toContain('Interrupted: stopped after line 0: 0 events appended');
  });
});
