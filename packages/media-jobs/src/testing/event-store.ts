import type { FetchProgressed } from '@mediabot/contracts';
import { createEventStore, migrateEventStore, type EventStore } from '@mediabot/eventstore';
import { createTestDatabase } from '@mediabot/testing';
import type { z } from 'zod';

/** An event store in a database of its own (one per test file); close() drops the database. */
export async function openTestEventStore(): Promise<{
  store: EventStore;
  close: () => Promise<void>;
}> {
  const database = await createTestDatabase();
  await migrateEventStore(database.db);
  return { store: createEventStore(database.db), close: () => database.drop() };
}

/** Fetch progress at `percent`, nothing else known. */
export function progressAt(
  percent: number,
  stage: 'downloading' | 'converting' = 'downloading',
): z.output<typeof FetchProgressed.schema> {
  return {
    cacheKey: 'k',
    stage,
    percent,
    downloadedBytes: null,
    totalBytes: null,
    speedBytesPerSecond: null,
    etaSeconds: null,
  };
}
