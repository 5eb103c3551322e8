import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateServiceSchema } from '@mediabot/event-service';
import { createTestDatabase, type TestDatabase } from '@mediabot/testing';
import { migrations, storageSchema } from './migrations.ts';

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database.drop();
});

describe('storage migrations', () => {
  it('0002 puts the media stored before in the media bucket and allows only our two buckets', async () => {
    const first = migrations['0001_cache'];
    if (!first) throw new Error('0001_cache is missing');
    await migrateServiceSchema(database.db, storageSchema, { '0001_cache': first });
    await sql`insert into storage.cache_entries (cache_key, status, media) values
      ('old', 'ready', '{"objectKey": "cache-1/f/media.mp4", "thumbnailObjectKey": null}'),
      ('empty', 'empty', null)`.execute(database.db);

    await migrateServiceSchema(database.db, storageSchema, migrations);
    const { rows } = await sql<{ cache_key: string; media: unknown }>`
      select cache_key, media from storage.cache_entries order by cache_key`.execute(database.db);
    expect(rows).toEqual([
      { cache_key: 'empty', media: null },
      {
        cache_key: 'old',
        media: { bucket: 'media', objectKey: 'cache-1/f/media.mp4', thumbnailObjectKey: null },
      },
    ]);
    await expect(
      sql`insert into storage.object_deletions (bucket, object_key, not_before)
          values ('elsewhere', 'k', now())`.execute(database.db),
    ).rejects.toThrow(/object_deletions_bucket/);
  });
});
