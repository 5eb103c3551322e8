import { z } from 'zod';

export const supportedLanguages = ['en', 'fr', 'es', 'ru'] as const;
export const languageSchema = z.enum(supportedLanguages);
export type Language = z.infer<typeof languageSchema>;

/** Telegram's ids fit in 52 bits; they travel as numbers. */
export const telegramUserIdSchema = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
export const telegramChatIdSchema = z
  .number()
  .int()
  .min(Number.MIN_SAFE_INTEGER)
  .max(Number.MAX_SAFE_INTEGER);

/** Maps Telegram's `language_code` (an IETF tag such as "pt-BR") onto a language we speak. */
export function toSupportedLanguage(languageCode: string | null | undefined): Language {
  const primary = (languageCode ?? '').toLowerCase().split(/[-_]/)[0] ?? '';
  return (supportedLanguages as readonly string[]).includes(primary) ? (primary as Language) : 'en';
}

export const qualitySchema = z.enum(['ask', '1080p', '720p', '360p', 'audio-mp3']);
export type Quality = z.infer<typeof qualitySchema>;
