import {
  mediaBucketSchema,
  mediaKindSchema,
  type MediaBucket,
  type MediaKind,
} from '@mediabot/contracts';
import type { NotifierDb } from './tables.ts';

/** A Telegram-ready file (from download.media-ready): what an upload needs, and its file_id once known. */
export interface ReadyMedia {
  cacheKey: string;
  /** Where objectKey lies: media, or raw for a download delivered as it was fetched. */
  bucket: MediaBucket;
  objectKey: string;
  /** Always in the media bucket. */
  thumbnailObjectKey: string | null;
  kind: MediaKind;
  mimeType: string;
  fileName: string;
  sizeBytes: number;
  width: number | null;
  height: number | null;
  durationSeconds: number | null;
  title: string;
  performer: string | null;
  telegramFileId: string | null;
}

export function createMediaStore(db: NotifierDb) {
  return {
    async ready(media: Omit<ReadyMedia, 'telegramFileId'>): Promise<void> {
      const columns = {
        bucket: media.bucket,
        object_key: media.objectKey,
        thumbnail_object_key: media.thumbnailObjectKey,
        kind: media.kind,
        mime_type: media.mimeType,
        file_name: media.fileName,
        size_bytes: media.sizeBytes,
        width: media.width,
        height: media.height,
        duration_seconds: media.durationSeconds,
        title: media.title,
        performer: media.performer,
      };
      // A new object (a refetch after Telegram forgot the file) has no file_id yet.
      await db
        .insertInto('media')
        .values({ cache_key: media.cacheKey, ...columns })
        .onConflict((conflict) =>
          conflict.column('cache_key').doUpdateSet((eb) => ({
            ...columns,
            telegram_file_id: eb
              .case()
              .when(
                eb.and([
                  eb('media.object_key', '=', media.objectKey),
                  eb('media.bucket', '=', media.bucket),
                ]),
              )
              .then(eb.ref('media.telegram_file_id'))
              .else(null)
              .end(),
          })),
        )
        .execute();
    },

    async find(cacheKey: string): Promise<ReadyMedia | undefined> {
      const row = await db
        .selectFrom('media')
        .selectAll()
        .where('cache_key', '=', cacheKey)
        .executeTakeFirst();
      if (!row) return undefined;
      return {
        cacheKey: row.cache_key,
        bucket: mediaBucketSchema.safeParse(row.bucket).data ?? 'media',
        objectKey: row.object_key,
        thumbnailObjectKey: row.thumbnail_object_key,
        kind: mediaKindSchema.safeParse(row.kind).data ?? 'video',
        mimeType: row.mime_type,
        fileName: row.file_name,
        sizeBytes: Number(row.size_bytes),
        width: row.width,
        height: row.height,
        durationSeconds: row.duration_seconds,
        title: row.title,
        performer: row.performer,
        telegramFileId: row.telegram_file_id,
      };
    },

    async rememberFileId(cacheKey: string, fileId: string): Promise<void> {
      await db
        .updateTable('media')
        .set({ telegram_file_id: fileId })
        .where('cache_key', '=', cacheKey)
        .where('telegram_file_id', 'is', null)
        .execute();
    },

    async forgetFileId(cacheKey: string, fileId: string): Promise<void> {
      await db
        .updateTable('media')
        .set({ telegram_file_id: null })
        .where('cache_key', '=', cacheKey)
        .where('telegram_file_id', '=', fileId)
        .execute();
    },
  };
}

export type MediaStore = ReturnType<typeof createMediaStore>;
