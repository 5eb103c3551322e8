import { sql } from 'kysely';
import {
  languageSchema,
  qualitySchema,
  type Language,
  type Quality,
  type TelegramUser,
} from '@mediabot/contracts';
import type { NotifierDb } from './tables.ts';

export interface UserProfile {
  telegramUserId: number;
  /** Their /settings choice, else Telegram's language_code (mapped), else English. */
  language: Language;
  defaultQuality: Quality;
  registeredAt: Date | null;
  deliveredCount: number;
}

export function createUsers(db: NotifierDb) {
  return {
    /** What the gateway learned from Telegram with an update: chat and Telegram's language. */
    async noteSeen(user: TelegramUser, chatId: number): Promise<void> {
      await db
        .insertInto('users')
        .values({
          telegram_user_id: user.telegramUserId,
          chat_id: chatId,
          telegram_language: user.languageCode,
          chosen_language: null,
          registered_at: null,
        })
        .onConflict((conflict) =>
          conflict.column('telegram_user_id').doUpdateSet({
            chat_id: chatId,
            telegram_language: user.languageCode,
            updated_at: sql`now()`,
          }),
        )
        .execute();
    },

    async registered(
      telegramUserId: number,
      languageCode: Language,
      registeredAt: Date,
    ): Promise<void> {
      await db
        .insertInto('users')
        .values({
          telegram_user_id: telegramUserId,
          chat_id: null,
          telegram_language: languageCode,
          chosen_language: null,
          registered_at: registeredAt,
        })
        .onConflict((conflict) =>
          conflict.column('telegram_user_id').doUpdateSet({
            registered_at: sql`coalesce(users.registered_at, excluded.registered_at)`,
            telegram_language: sql`coalesce(users.telegram_language, excluded.telegram_language)`,
          }),
        )
        .execute();
    },

    /** A /settings choice (from the button press, or identity's confirmation: the same fact twice). */
    async settingsChanged(
      telegramUserId: number,
      change: { languageCode?: Language | undefined; defaultQuality?: Quality | undefined },
    ): Promise<void> {
      const set = {
        ...(change.languageCode === undefined ? {} : { chosen_language: change.languageCode }),
        ...(change.defaultQuality === undefined ? {} : { default_quality: change.defaultQuality }),
      };
      await db
        .insertInto('users')
        .values({
          telegram_user_id: telegramUserId,
          chat_id: null,
          telegram_language: null,
          chosen_language: change.languageCode ?? null,
          registered_at: null,
          ...(change.defaultQuality === undefined
            ? {}
            : { default_quality: change.defaultQuality }),
        })
        .onConflict((conflict) =>
          conflict.column('telegram_user_id').doUpdateSet({ ...set, updated_at: sql`now()` }),
        )
        .execute();
    },

    async profile(telegramUserId: number, fallbackLanguage: Language): Promise<UserProfile> {
      const row = await db
        .selectFrom('users')
        .selectAll()
        .where('telegram_user_id', '=', telegramUserId)
        .executeTakeFirst();
      const language =
        languageSchema.safeParse(row?.chosen_language).data ??
        languageSchema.safeParse(row?.telegram_language).data ??
        fallbackLanguage;
      return {
        telegramUserId,
        language,
        defaultQuality: qualitySchema.safeParse(row?.default_quality).data ?? 'ask',
        registeredAt: row?.registered_at ? new Date(row.registered_at) : null,
        deliveredCount: row?.delivered_count ?? 0,
      };
    },
  };
}

export type Users = ReturnType<typeof createUsers>;
