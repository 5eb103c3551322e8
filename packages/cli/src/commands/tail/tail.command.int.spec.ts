import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { createEventStore, migrateEventStore, type EventStore } from '@mediabot/eventstore';
import { createTestDatabase, type TestDatabase } from '@mediabot/testing';
import { runCli } from '../../cli.ts';
import { appendUsers, userStream } from '../../testing/identity-events.ts';
import { testContext } from '../../testing/test-context.ts';

let database: TestDatabase;
let store: EventStore;

beforeAll(async () => {
  database = await createTestDatabase();
  await migrateEventStore(database.db);
  store = createEventStore(database.db);
  // Ten events: the log's end is position 10, which sorts before 9 as text.
  await appendUsers(store, 1, 4);
});
afterAll(() => database?.drop());

/** A tail that runs until the test interrupts it (or the test ends, passed or not). */
function tailContext() {
  const run = testContext();
  onTestFinished(() => run.interrupt.abort());
  return run;
}

const lines = (text: string) => text.split('\n').filter((line) => line !== '');

describe('mediabot tail', () => {
  it('prints events appended after it started, and stops cleanly when interrupted', async () => {
    const run = tailContext();
    const tailing = runCli(['tail', '--database-url', database.url], run.context);
    await expect
      .poll(() => run.stderr.text(), { timeout: 10_000 })
      .toContain('Following new events');

    const events = userStream(43, 1);
    await store.append('user-43', events, { expectedVersion: 'no_stream' });
    await expect.poll(() => lines(run.stdout.text()), { timeout: 10_000 }).toHaveLength(2);
    const [registered, changed] = lines(run.stdout.text());
    expect(registered).toMatch(
      /^#\d+ {2}2026-01-01T00:43:00\.000Z {2}identity\.user-registered v2 {2}user-43@1 {2}corr [0-9a-f]{8} {2}/,
    );
    // jsonb keeps its own key order.
    expect(registered).toContain('username="u43"');
    expect(registered).toContain('telegramUserId=43');
    expect(changed).toContain('identity.user-settings-changed v1  user-43@2');

    run.interrupt.abort();
    expect(await tailing).toBe(0);
  });

  it('starts from a position, filters by type and stream, and prints NDJSON', async () => {
    const run = tailContext();
    const tailing = runCli(
      [
        'tail',
        '--from-position',
        '2',
        '--type',
        'identity.*-registered',
        '--stream',
        'user-?',
        '--json',
        '--database-url',
        database.url,
      ],
      run.context,
    );
    await expect.poll(() => lines(run.stdout.text()).length, { timeout: 10_000 }).toBe(3);
    run.interrupt.abort();
    expect(await tailing).toBe(0);
    const records = lines(run.stdout.text()).map(
      (line) => JSON.parse(line) as Record<string, string>,
    );
    expect(records.map((record) => record.streamId)).toEqual(['user-2', 'user-3', 'user-4']);
    expect(records.every((record) => record.type === 'identity.user-registered')).toBe(true);
    expect(records.map((record) => record.globalPosition)).toEqual(['2', '3', '4']);
  });
});
