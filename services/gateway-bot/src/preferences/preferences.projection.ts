import { sql } from 'kysely';
import type { Migration } from 'kysely/migration';
import {
  UserSettingsChanged,
  choosableQualitySchema,
  type ChoosableQuality,
  type Envelope,
} from '@mediabot/contracts';
import type { AnyDatabase, AnyTransaction } from '@mediabot/eventstore';

export const preferencesMigrations: Record<string, Migration> = {
  '0001_user_preferences': {
    async up(db) {
      await sql`create table gateway_bot.user_preferences (
        telegram_user_id bigint primary key,
        default_quality text,
        updated_at timestamptz not null default now()
      )`.execute(db);
    },
  },
};

export const preferenceEventTypes = [UserSettingsChanged.type];

/** Keeps the one thing the gateway needs from identity: a user's default quality. */
export async function applyPreferenceEvent(trx: AnyTransaction, message: Envelope): Promise<void> {
  if (UserSettingsChanged.is(message) && message.data.defaultQuality !== undefined) {
    await sql`insert into gateway_bot.user_preferences (telegram_user_id, default_quality)
      values (${message.data.telegramUserId}, ${message.data.defaultQuality})
      on conflict (telegram_user_id) do update set default_quality = excluded.default_quality, updated_at = now()`.execute(
      trx,
    );
  }
}

export async function preferredQuality(
  db: AnyDatabase,
  telegramUserId: number,
): Promise<ChoosableQuality | null> {
  const { rows } = await sql<{ default_quality: string | null }>`
    select default_quality from gateway_bot.user_preferences where telegram_user_id = ${telegramUserId}`.execute(
    db,
  );
  const parsed = choosableQualitySchema.safeParse(rows[0]?.default_quality);
  return parsed.success ? parsed.data : null;
}
