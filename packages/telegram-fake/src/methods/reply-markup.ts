import { z } from 'zod';
import { badRequest, Reasons } from '../bot-api/errors.ts';
import type { InlineKeyboardButton, InlineKeyboardMarkup, ReplyMarkup } from '../bot-api/types.ts';
import { isAcceptableLink } from './formatting/formatted-text.ts';

const BUTTON_ACTIONS = [
  'url',
  'callback_data',
  'web_app',
  'login_url',
  'switch_inline_query',
  'switch_inline_query_current_chat',
  'switch_inline_query_chosen_chat',
  'copy_text',
  'callback_game',
  'pay',
] as const;

const buttonSchema = z.looseObject({
  text: z.string({ error: 'Field "text" must be of type String' }),
  callback_data: z.string({ error: 'Field "callback_data" must be of type String' }).optional(),
  url: z.string({ error: 'Field "url" must be of type String' }).optional(),
});

const markupSchema = z.record(z.string(), z.unknown());

export const isInlineKeyboard = (markup: ReplyMarkup | undefined): markup is InlineKeyboardMarkup =>
  markup !== undefined && Array.isArray((markup as Partial<InlineKeyboardMarkup>).inline_keyboard);

/** Reads reply_markup (an object in JSON bodies, JSON text in forms) and checks it like Telegram. */
export function readReplyMarkup(raw: unknown): ReplyMarkup | undefined {
  if (raw === undefined || raw === '') return undefined;
  let value: unknown = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw);
    } catch {
      throw badRequest(Reasons.replyMarkupJson);
    }
  }
  const parsed = markupSchema.safeParse(value);
  if (!parsed.success) throw badRequest(Reasons.replyMarkupJson);
  const markup = parsed.data;
  if (!('inline_keyboard' in markup)) return markup;

  const rows = markup.inline_keyboard;
  if (!Array.isArray(rows) || !rows.every((row) => Array.isArray(row))) {
    throw badRequest(
      'field "inline_keyboard" of the InlineKeyboardMarkup should be an Array of Arrays',
    );
  }
  const keyboard = (rows as unknown[][]).map((row) => row.map(readButton));
  return { inline_keyboard: keyboard };
}

function readButton(raw: unknown): InlineKeyboardButton {
  const parsed = buttonSchema.safeParse(raw);
  if (!parsed.success) {
    const reason = parsed.error.issues[0]?.message ?? 'expected an Object';
    throw badRequest(`can't parse inline keyboard button: ${reason}`);
  }
  const button = parsed.data;
  if (!BUTTON_ACTIONS.some((action) => button[action] !== undefined)) {
    throw badRequest(
      "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard",
    );
  }
  if (button.callback_data !== undefined) {
    const bytes = Buffer.byteLength(button.callback_data, 'utf8');
    if (bytes < 1 || bytes > 64) throw badRequest(Reasons.buttonDataInvalid);
  }
  if (button.url !== undefined && !isAcceptableLink(button.url)) {
    throw badRequest(Reasons.buttonUrlInvalid);
  }
  return { ...button } as InlineKeyboardButton;
}

/** What Message.reply_markup shows: only a non-empty inline keyboard comes back from Telegram. */
export function visibleMarkup(markup: ReplyMarkup | undefined): InlineKeyboardMarkup | undefined {
  if (!isInlineKeyboard(markup)) return undefined;
  return markup.inline_keyboard.some((row) => row.length > 0) ? markup : undefined;
}
