import { createHash } from 'node:crypto';
import type { InlineKeyboardButton, InlineKeyboardMarkup } from 'telegraf/types';

export type Keyboard = InlineKeyboardButton[][];

/** A message ready for sendMessage/editMessageText: Telegram HTML and an optional inline keyboard. */
export interface RenderedMessage {
  text: string;
  keyboard?: Keyboard | undefined;
}

export const replyMarkupOf = (message: RenderedMessage): { reply_markup?: InlineKeyboardMarkup } =>
  message.keyboard && message.keyboard.length > 0
    ? { reply_markup: { inline_keyboard: message.keyboard } }
    : {};

/** Identifies what a message shows, to skip edits that would change nothing. */
export const fingerprintOf = (message: RenderedMessage): string =>
  createHash('sha256')
    .update(JSON.stringify([message.text, message.keyboard ?? []]))
    .digest('base64url')
    .slice(0, 22);

/** Common options: HTML, and no link previews (titles and links would unfurl into big cards). */
export const htmlOptions = {
  parse_mode: 'HTML',
  link_preview_options: { is_disabled: true },
} as const;

/** Cuts text to `max` characters (on a character boundary) with an ellipsis. */
export function truncate(text: string, max: number): string {
  const characters = [...text];
  return characters.length <= max ? text : `${characters.slice(0, max - 1).join('')}…`;
}
