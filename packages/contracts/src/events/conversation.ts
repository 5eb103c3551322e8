import { z } from 'zod';
import { defineMessage } from '../registry/define-message.ts';
import {
  languageSchema,
  qualitySchema,
  telegramChatIdSchema,
  telegramUserIdSchema,
} from './shared.ts';

/** What the gateway learned about the person from Telegram with this update. */
export const telegramUserSchema = z.object({
  telegramUserId: telegramUserIdSchema,
  username: z.string().max(64).nullable(),
  firstName: z.string().max(256).nullable(),
  /** Telegram's `language_code`, mapped onto a language we speak. */
  languageCode: languageSchema,
});
export type TelegramUser = z.infer<typeof telegramUserSchema>;

/** Events caused by one Telegram update live in the stream `update-<update_id>`. */
export const updateStream = (updateId: number): string => `update-${updateId}`;

export const commandNames = ['start', 'help', 'settings', 'status', 'cancel', 'stats'] as const;
export const commandNameSchema = z.enum(commandNames);
export type CommandName = z.infer<typeof commandNameSchema>;

export const CommandReceived = defineMessage({
  kind: 'event',
  type: 'conversation.command-received',
  version: 1,
  producer: 'gateway-bot',
  description:
    'A user sent one of the bot commands (/start, /help, /settings, /status, /cancel, /stats).',
  schema: z.object({
    updateId: z.number().int().nonnegative(),
    chatId: telegramChatIdSchema,
    messageId: z.number().int().positive(),
    user: telegramUserSchema,
    command: commandNameSchema,
    args: z.string().max(512),
  }),
});

export const inputRejectionReasons = [
  'no_link',
  'invalid_url',
  'scheme_not_allowed',
  'url_too_long',
  'blocked_address',
  'too_many_links',
  'rate_limited',
  'unknown_command',
] as const;
export const inputRejectionReasonSchema = z.enum(inputRejectionReasons);
export type InputRejectionReason = z.infer<typeof inputRejectionReasonSchema>;

export const InputRejected = defineMessage({
  kind: 'event',
  type: 'conversation.input-rejected',
  version: 1,
  producer: 'gateway-bot',
  description:
    'A message the bot cannot act on (no link, a bad or blocked link, rate limited): the user gets a hint.',
  schema: z.object({
    updateId: z.number().int().nonnegative(),
    chatId: telegramChatIdSchema,
    messageId: z.number().int().positive(),
    user: telegramUserSchema,
    reason: inputRejectionReasonSchema,
    retryAfterSeconds: z.number().int().positive().optional(),
  }),
});

export const SettingsChosen = defineMessage({
  kind: 'event',
  type: 'conversation.settings-chosen',
  version: 1,
  producer: 'gateway-bot',
  description: 'A user pressed a /settings button to change their language or default quality.',
  schema: z.object({
    updateId: z.number().int().nonnegative(),
    chatId: telegramChatIdSchema,
    messageId: z.number().int().positive(),
    callbackQueryId: z.string().min(1),
    user: telegramUserSchema,
    languageCode: languageSchema.optional(),
    defaultQuality: qualitySchema.optional(),
  }),
});
