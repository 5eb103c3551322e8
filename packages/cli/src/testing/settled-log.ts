import { setTimeout as delay } from 'node:timers/promises';
import { sql } from 'kysely';
import type { EventStore } from '@mediabot/eventstore';
import type { Database } from '../database.ts';

/**
 * Readers see an event only once every transaction older than its own has ended, anywhere in the
 * cluster: other test files' transactions can hold our freshly committed events back for a
 * moment. Tests that compare whole logs wait here until readers see every committed event.
 */
export async function waitUntilLogSettled(db: Database, store: EventStore): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const { rows } = await sql<{ last: string | null }>`
      select max(global_position)::text as last from eventstore.events`.execute(db);
    if ((await store.headPosition()) === BigInt(rows[0]?.last ?? 0)) return;
    if (Date.now() > deadline) throw new Error('The event log did not settle within 15s');
    await delay(20);
  }
}
