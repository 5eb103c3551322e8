import { badRequest, type BotApiError } from '../../bot-api/errors.ts';
import type { MessageEntity } from '../../bot-api/types.ts';

export interface FormattedText {
  text: string;
  entities: MessageEntity[];
}

export const cantParseEntities = (reason: string): BotApiError =>
  badRequest(`can't parse entities: ${reason}`);

/** Entities in the order Telegram returns them: by offset, outer (longer) first. */
export const sortEntities = (entities: MessageEntity[]): MessageEntity[] =>
  [...entities].sort((a, b) => a.offset - b.offset || b.length - a.length);

/** Whether a link target is one Telegram turns into a text_link (it drops the others silently). */
export const isAcceptableLink = (url: string): boolean => {
  const trimmed = url.trim();
  if (trimmed.length === 0) return false;
  if (/^tg:/i.test(trimmed)) return true;
  const candidate = /^[a-z][a-z0-9+.-]*:/i.test(trimmed) ? trimmed : `http://${trimmed}`;
  try {
    const parsed = new URL(candidate);
    return ['http:', 'https:', 'ton:'].includes(parsed.protocol) && parsed.hostname.length > 0;
  } catch {
    return false;
  }
};
