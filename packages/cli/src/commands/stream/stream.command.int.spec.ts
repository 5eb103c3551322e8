import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventStore, migrateEventStore } from '@mediabot/eventstore';
import { createTestDatabase, type TestDatabase } from '@mediabot/testing';
import { runCli } from '../../cli.ts';
import { userStream } from '../../testing/identity-events.ts';
import { testContext } from '../../testing/test-context.ts';

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
  await migrateEventStore(database.db);
  await createEventStore(database.db).append('user-42', userStream(42, 2), {
    expectedVersion: 'no_stream',
  });
});
afterAll(() => database?.drop());

const lines = (text: string) => text.split('\n').filter((line) => line !== '');

describe('mediabot stream', () => {
  it("prints a stream's events with their versions", async () => {
    const run = testContext();
    expect(await runCli(['stream', 'user-42', '--database-url', database.url], run.context)).toBe(
      0,
    );
    expect(lines(run.stdout.text()).map((line) => line.split('  ')[3])).toEqual([
      'user-42@1',
      'user-42@2',
      'user-42@3',
    ]);
  });

  it('says so when the stream has no events', async () => {
    const run = testContext();
    expect(await runCli(['stream', 'user-404', '--database-url', database.url], run.context)).toBe(
      1,
    );
    expect(run.stderr.text()).toBe('mediabot: Stream "user-404" has no events.\n');
  });
});
