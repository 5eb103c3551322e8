import type { MessageEntity } from '../../bot-api/types.ts';
import { byteOffsetAt } from '../../shared/text-units.ts';
import {
  cantParseEntities,
  isAcceptableLink,
  sortEntities,
  type FormattedText,
} from './formatted-text.ts';

// parse_mode=HTML as https://core.telegram.org/bots/api#html-style describes it: a fixed set of
// tags, the four named entities plus numeric ones, and Telegram's error wording on bad markup.

const SUPPORTED_TAGS = new Set([
  'b',
  'strong',
  'i',
  'em',
  'u',
  'ins',
  's',
  'strike',
  'del',
  'span',
  'tg-spoiler',
  'a',
  'code',
  'pre',
  'tg-emoji',
  'blockquote',
]);

const NAMED_ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"' };

interface OpenTag {
  name: string;
  attributes: Map<string, string>;
  offset: number;
}

export function parseHtml(source: string): FormattedText {
  let text = '';
  const entities: MessageEntity[] = [];
  const open: OpenTag[] = [];
  let index = 0;

  const failAt = (reason: (byteOffset: number) => string, at: number): never => {
    throw cantParseEntities(reason(byteOffsetAt(source, at)));
  };

  while (index < source.length) {
    const char = source.charAt(index);
    if (char === '&') {
      const match = /^&(#x[0-9a-f]{1,6}|#[0-9]{1,7}|[a-z]{2,4});/i.exec(source.slice(index));
      const decoded = match?.[1] === undefined ? undefined : decodeEntity(match[1]);
      if (match && decoded !== undefined) {
        text += decoded;
        index += match[0].length;
        continue;
      }
      text += char;
      index += 1;
      continue;
    }
    if (char !== '<') {
      text += char;
      index += 1;
      continue;
    }

    const tagStart = index;
    if (source.charAt(index + 1) === '/') {
      const close = source.indexOf('>', index);
      if (close === -1) failAt((at) => `Unclosed end tag at byte offset ${at}`, tagStart);
      const name = source
        .slice(index + 2, close)
        .trim()
        .toLowerCase();
      const top = open.at(-1);
      if (!top) failAt((at) => `Unexpected end tag at byte offset ${at}`, tagStart);
      if (top && name !== '' && name !== top.name) {
        failAt(
          (at) =>
            `Unmatched end tag at byte offset ${at}, expected "</${top.name}>", found "</${name}>"`,
          tagStart,
        );
      }
      open.pop();
      if (top) {
        const entity = entityFor(top, text.length, open);
        if (entity) entities.push(entity);
      }
      index = close + 1;
      continue;
    }

    const nameMatch = /^[a-z0-9-]*/i.exec(source.slice(index + 1));
    const name = (nameMatch?.[0] ?? '').toLowerCase();
    if (!SUPPORTED_TAGS.has(name)) {
      failAt((at) => `Unsupported start tag "${name}" at byte offset ${at}`, tagStart);
    }
    index += 1 + name.length;
    const attributes = new Map<string, string>();
    for (;;) {
      while (index < source.length && /\s/.test(source.charAt(index))) index += 1;
      if (index >= source.length)
        failAt((at) => `Unclosed start tag at byte offset ${at}`, tagStart);
      if (source.charAt(index) === '>') {
        index += 1;
        break;
      }
      const attribute = /^([a-z0-9_-]+)\s*(?:=\s*("[^"]*"|'[^']*'|[^\s>"']+))?/i.exec(
        source.slice(index),
      );
      if (!attribute?.[1]) {
        failAt(
          (at) =>
            `Expected equal sign in declaration of an attribute of the tag "${name}" at byte offset ${at}`,
          tagStart,
        );
        break;
      }
      const raw = attribute[2] ?? '';
      const unquoted = /^["']/.test(raw) ? raw.slice(1, -1) : raw;
      attributes.set(attribute[1].toLowerCase(), decodeAll(unquoted));
      index += attribute[0].length;
    }
    if (name === 'span' && attributes.get('class') !== 'tg-spoiler') {
      failAt((at) => `Tag "span" must have class "tg-spoiler" at byte offset ${at}`, tagStart);
    }
    open.push({ name, attributes, offset: text.length });
  }

  const unclosed = open.at(-1);
  if (unclosed) {
    throw cantParseEntities(`Can't find end tag corresponding to start tag "${unclosed.name}"`);
  }
  return { text, entities: sortEntities(entities) };
}

function entityFor(tag: OpenTag, end: number, stillOpen: OpenTag[]): MessageEntity | undefined {
  const offset = tag.offset;
  const length = end - offset;
  if (length <= 0) return undefined;
  const base = { offset, length };
  switch (tag.name) {
    case 'b':
    case 'strong':
      return { type: 'bold', ...base };
    case 'i':
    case 'em':
      return { type: 'italic', ...base };
    case 'u':
    case 'ins':
      return { type: 'underline', ...base };
    case 's':
    case 'strike':
    case 'del':
      return { type: 'strikethrough', ...base };
    case 'span':
    case 'tg-spoiler':
      return { type: 'spoiler', ...base };
    case 'a': {
      const href = tag.attributes.get('href') ?? '';
      return isAcceptableLink(href) ? { type: 'text_link', ...base, url: href } : undefined;
    }
    case 'code': {
      // <pre><code class="language-x"> becomes one pre entity carrying the language.
      const parent = stillOpen.at(-1);
      const language = /^language-(.+)$/.exec(tag.attributes.get('class') ?? '')?.[1];
      if (parent?.name === 'pre' && language !== undefined) {
        parent.attributes.set('language', language);
        return undefined;
      }
      return { type: 'code', ...base };
    }
    case 'pre': {
      const language = tag.attributes.get('language');
      return language === undefined ? { type: 'pre', ...base } : { type: 'pre', ...base, language };
    }
    case 'tg-emoji': {
      const id = tag.attributes.get('emoji-id');
      return id === undefined ? undefined : { type: 'custom_emoji', ...base, custom_emoji_id: id };
    }
    case 'blockquote':
      return {
        type: tag.attributes.has('expandable') ? 'expandable_blockquote' : 'blockquote',
        ...base,
      };
    default:
      return undefined;
  }
}

function decodeEntity(body: string): string | undefined {
  if (body.startsWith('#x') || body.startsWith('#X'))
    return fromCodePoint(parseInt(body.slice(2), 16));
  if (body.startsWith('#')) return fromCodePoint(parseInt(body.slice(1), 10));
  return NAMED_ENTITIES[body.toLowerCase()];
}

function fromCodePoint(codePoint: number): string | undefined {
  return codePoint > 0 && codePoint <= 0x10ffff ? String.fromCodePoint(codePoint) : undefined;
}

function decodeAll(value: string): string {
  return value.replace(
    /&(#x[0-9a-f]{1,6}|#[0-9]{1,7}|[a-z]{2,4});/gi,
    (whole, body: string) => decodeEntity(body) ?? whole,
  );
}
