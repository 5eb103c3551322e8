import type { MessageEntity } from '../../bot-api/types.ts';
import { sortEntities } from './formatted-text.ts';

// Telegram finds these in every message, the bot's included, without any parse_mode.

const COMMON_TLDS =
  'com|org|net|info|io|me|tv|be|ly|gl|co|ru|ua|by|kz|uk|de|fr|es|it|nl|pl|eu|us|ca|au|in|jp|cn|br|app|dev|ai|xyz|online|site|tech|pro|to|cc|gg|fm|am|link|live|news|club|media';

const PATTERNS: { type: string; pattern: RegExp }[] = [
  { type: 'email', pattern: /(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}(?![\w@])/giu },
  {
    type: 'url',
    pattern: new RegExp(
      String.raw`(?<![\w@/.])(?:https?:\/\/[^\s<>"]+|(?:[a-z0-9][a-z0-9-]*\.)+(?:${COMMON_TLDS})(?::\d{1,5})?(?:\/[^\s<>"]*)?)(?![\w@])`,
      'giu',
    ),
  },
  { type: 'bot_command', pattern: /(?<![^\s])\/[a-z0-9_]{1,64}(?:@[a-z0-9_]{3,32})?(?![\w/])/giu },
  { type: 'mention', pattern: /(?<![\w@])@[a-z0-9_]{5,32}(?!\w)/giu },
  { type: 'hashtag', pattern: /(?<![\w#])#[\p{L}\p{N}_]*\p{L}[\p{L}\p{N}_]*/gu },
];

const TRAILING_PUNCTUATION = /[.,;:!?'")\]]+$/u;

/** The entities Telegram detects by itself: urls, emails, bot commands, mentions, hashtags. */
export function findAutoEntities(
  text: string,
  existing: readonly MessageEntity[] = [],
): MessageEntity[] {
  const blocked = existing.filter((entity) => ['code', 'pre', 'text_link'].includes(entity.type));
  const found: MessageEntity[] = [];
  const overlaps = (start: number, end: number, list: readonly MessageEntity[]): boolean =>
    list.some((entity) => start < entity.offset + entity.length && entity.offset < end);

  for (const { type, pattern } of PATTERNS) {
    for (const match of text.matchAll(pattern)) {
      let value = match[0];
      if (type === 'url') value = trimUrl(value);
      const offset = match.index;
      const end = offset + value.length;
      if (value.length === 0 || overlaps(offset, end, blocked) || overlaps(offset, end, found))
        continue;
      found.push({ type, offset, length: value.length });
    }
  }
  return found;
}

export function withAutoEntities(
  text: string,
  entities: readonly MessageEntity[],
): MessageEntity[] {
  return sortEntities([...entities, ...findAutoEntities(text, entities)]);
}

function trimUrl(url: string): string {
  let trimmed = url.replace(TRAILING_PUNCTUATION, '');
  // Keep a closing bracket that closes one opened inside the url (wiki links).
  const opened = (trimmed.match(/\(/g) ?? []).length;
  const closed = (trimmed.match(/\)/g) ?? []).length;
  if (opened > closed && url.slice(trimmed.length).startsWith(')')) trimmed += ')';
  return trimmed;
}
