import { sql, type Selectable } from 'kysely';
import {
  choosableQualitySchema,
  downloadErrorCodeSchema,
  languageSchema,
  qualityOptionSchema,
} from '@mediabot/contracts';
import { z } from 'zod';
import {
  newRequest,
  requestStates,
  type Progress,
  type RequestFacts,
  type RequestNote,
} from '../status/request-state.ts';
import type { NotifierDb, RequestsTable } from './tables.ts';

/** A request as stored, with what only the status message needs (which message, what it shows). */
export interface StoredRequest {
  facts: RequestFacts;
  statusMessageId: number | null;
  statusGeneration: number;
  renderedHash: string | null;
  lastProgressEditAt: Date | null;
}

const progressSchema = z.object({
  stage: z.enum(['downloading', 'converting', 'uploading']),
  percent: z.number().nullable(),
  downloadedBytes: z.number().nullable(),
  totalBytes: z.number().nullable(),
  speedBytesPerSecond: z.number().nullable(),
  etaSeconds: z.number().nullable(),
});
const noteSchema = z.enum(['joined', 'cached', 'refetching', 'large-file']);
const viaSchema = z.enum(['upload', 'file-id', 'link']);

const orNull = <T>(schema: z.ZodType<T>, value: unknown): T | null => {
  const parsed = schema.safeParse(value);
  return parsed.success ? parsed.data : null;
};

function toStored(row: Selectable<RequestsTable>): StoredRequest {
  const facts: RequestFacts = {
    requestId: row.request_id,
    chatId: Number(row.chat_id),
    telegramUserId: row.telegram_user_id === null ? null : Number(row.telegram_user_id),
    userMessageId: row.user_message_id,
    language: orNull(languageSchema, row.language) ?? 'en',
    preferredQuality: orNull(choosableQualitySchema, row.preferred_quality),
    state: z.enum(requestStates).parse(row.state),
    note: orNull<RequestNote>(noteSchema, row.note),
    cacheKey: row.cache_key,
    title: row.title,
    uploader: row.uploader,
    durationSeconds: row.duration_seconds,
    options: orNull(z.array(qualityOptionSchema), row.options),
    chosenQuality: orNull(choosableQualitySchema, row.chosen_quality),
    progress: orNull<Progress>(progressSchema, row.progress),
    errorCode: orNull(downloadErrorCodeSchema, row.error_code),
    largeFileBytes: row.large_file_bytes === null ? null : Number(row.large_file_bytes),
    deliveredVia: orNull(viaSchema, row.delivered_via),
    requestedAt: new Date(row.requested_at),
  };
  return {
    facts,
    statusMessageId: row.status_message_id,
    statusGeneration: row.status_generation,
    renderedHash: row.rendered_hash,
    lastProgressEditAt:
      row.last_progress_edit_at === null ? null : new Date(row.last_progress_edit_at),
  };
}

function columnsOf(facts: RequestFacts) {
  return {
    chat_id: facts.chatId,
    telegram_user_id: facts.telegramUserId,
    user_message_id: facts.userMessageId,
    language: facts.language,
    preferred_quality: facts.preferredQuality,
    state: facts.state,
    note: facts.note,
    cache_key: facts.cacheKey,
    title: facts.title,
    uploader: facts.uploader,
    duration_seconds: facts.durationSeconds,
    options: facts.options === null ? null : JSON.stringify(facts.options),
    chosen_quality: facts.chosenQuality,
    progress: facts.progress === null ? null : JSON.stringify(facts.progress),
    error_code: facts.errorCode,
    large_file_bytes: facts.largeFileBytes,
    delivered_via: facts.deliveredVia,
    requested_at: facts.requestedAt,
    updated_at: sql<Date>`now()`,
  };
}

export function createRequests(db: NotifierDb) {
  const selectAll = () => db.selectFrom('requests').selectAll();
  return {
    async load(requestId: string): Promise<StoredRequest | undefined> {
      const row = await selectAll().where('request_id', '=', requestId).executeTakeFirst();
      return row && toStored(row);
    },

    /** The stored request, or a fresh one (events of a request may come before its download.requested). */
    async loadOrNew(requestId: string, chatId: number, occurredAt: Date): Promise<StoredRequest> {
      return (
        (await this.load(requestId)) ?? {
          facts: newRequest(requestId, chatId, occurredAt),
          statusMessageId: null,
          statusGeneration: 0,
          renderedHash: null,
          lastProgressEditAt: null,
        }
      );
    },

    /**
     * Saves the facts (and, when a user's delivery completes for the first time, counts it for
     * their /start and /stats) in one transaction.
     */
    async save(facts: RequestFacts, options: { countDelivery?: boolean } = {}): Promise<void> {
      await db.transaction().execute(async (trx) => {
        const previous = await trx
          .selectFrom('requests')
          .select('state')
          .where('request_id', '=', facts.requestId)
          .forUpdate()
          .executeTakeFirst();
        await trx
          .insertInto('requests')
          .values({ request_id: facts.requestId, ...columnsOf(facts) })
          .onConflict((conflict) => conflict.column('request_id').doUpdateSet(columnsOf(facts)))
          .execute();
        if (
          options.countDelivery &&
          facts.state === 'delivered' &&
          previous?.state !== 'delivered' &&
          facts.telegramUserId !== null
        ) {
          await trx
            .updateTable('users')
            .set({ delivered_count: sql`delivered_count + 1`, updated_at: sql`now()` })
            .where('telegram_user_id', '=', facts.telegramUserId)
            .execute();
        }
      });
    },

    async recordStatusMessage(
      requestId: string,
      update: {
        statusMessageId?: number | null;
        statusGeneration?: number;
        renderedHash?: string | null;
        lastProgressEditAt?: Date;
      },
    ): Promise<void> {
      await db
        .updateTable('requests')
        .set({
          ...(update.statusMessageId === undefined
            ? {}
            : { status_message_id: update.statusMessageId }),
          ...(update.statusGeneration === undefined
            ? {}
            : { status_generation: update.statusGeneration }),
          ...(update.renderedHash === undefined ? {} : { rendered_hash: update.renderedHash }),
          ...(update.lastProgressEditAt === undefined
            ? {}
            : { last_progress_edit_at: update.lastProgressEditAt }),
        })
        .where('request_id', '=', requestId)
        .execute();
    },

    /** Requests still waiting for this media and format, oldest first. */
    async waitingOn(cacheKey: string): Promise<StoredRequest[]> {
      const rows = await selectAll()
        .where('cache_key', '=', cacheKey)
        .where('state', 'not in', ['delivered', 'failed', 'cancelled'])
        .orderBy('requested_at')
        .orderBy('request_id')
        .execute();
      return rows.map(toStored);
    },

    async latestInChat(chatId: number): Promise<StoredRequest | undefined> {
      const row = await selectAll()
        .where('chat_id', '=', chatId)
        .orderBy('requested_at', 'desc')
        .limit(1)
        .executeTakeFirst();
      return row && toStored(row);
    },

    /** A request of this chat by its id or the end of it (as /status shows it). */
    async findInChat(chatId: number, reference: string): Promise<StoredRequest | undefined> {
      const text = reference.trim().toLowerCase();
      if (!/^[0-9a-f-]{6,36}$/.test(text)) return undefined;
      const row = await selectAll()
        .where('chat_id', '=', chatId)
        .where(sql<boolean>`request_id::text like ${`%${text}`}`)
        .orderBy('requested_at', 'desc')
        .limit(1)
        .executeTakeFirst();
      return row && toStored(row);
    },

    async activeInChat(chatId: number): Promise<StoredRequest[]> {
      const rows = await selectAll()
        .where('chat_id', '=', chatId)
        .where('state', 'not in', ['delivered', 'failed', 'cancelled'])
        .orderBy('requested_at')
        .limit(10)
        .execute();
      return rows.map(toStored);
    },

    async countsForUser(
      telegramUserId: number,
    ): Promise<{ requests: number; active: number; failed: number }> {
      const row = await db
        .selectFrom('requests')
        .select([
          sql<number>`count(*)::int`.as('requests'),
          sql<number>`(count(*) filter (where state not in ('delivered', 'failed', 'cancelled')))::int`.as(
            'active',
          ),
          sql<number>`(count(*) filter (where state = 'failed'))::int`.as('failed'),
        ])
        .where('telegram_user_id', '=', telegramUserId)
        .executeTakeFirstOrThrow();
      return row;
    },
  };
}

export type Requests = ReturnType<typeof createRequests>;
