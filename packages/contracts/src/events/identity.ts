import { z } from 'zod';
import { defineMessage } from '../registry/define-message.ts';
import {
  languageSchema,
  qualitySchema,
  telegramUserIdSchema,
  toSupportedLanguage,
} from './shared.ts';

export const identityStream = (telegramUserId: number): string => `user-${telegramUserId}`;

const userRegisteredV1 = z.object({
  telegramUserId: telegramUserIdSchema,
  username: z.string().nullable(),
  /** Telegram's raw language_code, e.g. "fr-FR". */
  language: z.string().nullable(),
});

export const UserRegistered = defineMessage({
  kind: 'event',
  type: 'identity.user-registered',
  version: 2,
  producer: 'identity',
  description: 'A Telegram user talked to the bot for the first time and now has an account.',
  schema: z.object({
    telegramUserId: telegramUserIdSchema,
    username: z.string().max(64).nullable(),
    firstName: z.string().max(256).nullable(),
    languageCode: languageSchema,
    registeredVia: z.enum(['start-command', 'first-message', 'import']),
  }),
  previousVersions: [
    {
      version: 1,
      schema: userRegisteredV1,
      description: 'v1 kept the raw language tag and no first name.',
      upcast: (data: z.infer<typeof userRegisteredV1>) => ({
        telegramUserId: data.telegramUserId,
        username: data.username,
        firstName: null,
        languageCode: toSupportedLanguage(data.language),
        registeredVia: 'start-command' as const,
      }),
    },
  ],
});

export const UserSettingsChanged = defineMessage({
  kind: 'event',
  type: 'identity.user-settings-changed',
  version: 1,
  producer: 'identity',
  description: 'A user changed their language or default quality in /settings.',
  schema: z.object({
    telegramUserId: telegramUserIdSchema,
    languageCode: languageSchema.optional(),
    defaultQuality: qualitySchema.optional(),
  }),
});
