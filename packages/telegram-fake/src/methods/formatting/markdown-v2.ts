import type { MessageEntity } from '../../bot-api/types.ts';
import { byteOffsetAt } from '../../shared/text-units.ts';
import {
  cantParseEntities,
  isAcceptableLink,
  sortEntities,
  type FormattedText,
} from './formatted-text.ts';

// parse_mode=MarkdownV2, following the order of checks of TDLib's parser so the same input fails
// with the same words: every reserved character outside markup must be escaped with '\'.

const RESERVED = '_*[]()~`>#+-=|{}.!';

type EntityKind =
  | 'Bold'
  | 'Italic'
  | 'Underline'
  | 'Strikethrough'
  | 'Spoiler'
  | 'Code'
  | 'Pre'
  | 'PreCode'
  | 'TextUrl'
  | 'CustomEmoji';

interface OpenEntity {
  kind: EntityKind;
  offset: number;
  sourceIndex: number;
  language?: string;
}

const reserved = (char: string): never => {
  throw cantParseEntities(
    `Character '${char}' is reserved and must be escaped with the preceding '\\'`,
  );
};

export function parseMarkdownV2(source: string): FormattedText {
  let text = '';
  const entities: MessageEntity[] = [];
  const open: OpenEntity[] = [];
  let quoteStart: number | undefined;

  const closeQuote = (): void => {
    if (quoteStart === undefined) return;
    const end = text.endsWith('\n') ? text.length - 1 : text.length;
    if (end > quoteStart)
      entities.push({ type: 'blockquote', offset: quoteStart, length: end - quoteStart });
    quoteStart = undefined;
  };

  for (let index = 0; index < source.length; index += 1) {
    const char = source.charAt(index);
    const next = source.charAt(index + 1);
    const atLineStart = index === 0 || source.charAt(index - 1) === '\n';

    if (atLineStart && open.length === 0) {
      if (char === '>') {
        quoteStart ??= text.length;
        continue;
      }
      closeQuote();
    }

    if (char === '\\' && next !== '' && next.charCodeAt(0) <= 126) {
      text += next;
      index += 1;
      continue;
    }

    const top = open.at(-1);
    const reservedHere = top && ['Code', 'Pre', 'PreCode'].includes(top.kind) ? '`' : RESERVED;
    if (!reservedHere.includes(char)) {
      text += char;
      continue;
    }

    if (top && endsEntity(top.kind, source, index)) {
      let skip = false;
      let url: string | undefined;
      switch (top.kind) {
        case 'Underline':
        case 'Spoiler':
          index += 1;
          break;
        case 'Pre':
        case 'PreCode':
          index += 2;
          break;
        case 'TextUrl':
        case 'CustomEmoji': {
          if (source.charAt(index + 1) !== '(') {
            url = text.slice(top.offset);
            break;
          }
          index += 2;
          const urlStart = index;
          url = '';
          while (index < source.length && source.charAt(index) !== ')') {
            if (source.charAt(index) === '\\' && source.charCodeAt(index + 1) <= 126) {
              url += source.charAt(index + 1);
              index += 2;
              continue;
            }
            url += source.charAt(index);
            index += 1;
          }
          if (source.charAt(index) !== ')') {
            throw cantParseEntities(
              `Can't find end of a URL at byte offset ${byteOffsetAt(source, urlStart)}`,
            );
          }
          if (top.kind === 'TextUrl' && !isAcceptableLink(url)) skip = true;
          break;
        }
        case 'Bold':
        case 'Italic':
        case 'Strikethrough':
        case 'Code':
          break;
      }
      open.pop();
      const length = text.length - top.offset;
      if (!skip && length > 0) entities.push(toEntity(top, length, url));
      continue;
    }

    let kind: EntityKind;
    let language: string | undefined;
    const sourceIndex = index;
    switch (char) {
      case '_':
        if (next === '_') {
          kind = 'Underline';
          index += 1;
        } else kind = 'Italic';
        break;
      case '*':
        kind = 'Bold';
        break;
      case '~':
        kind = 'Strikethrough';
        break;
      case '|':
        if (next !== '|') reserved(char);
        kind = 'Spoiler';
        index += 1;
        break;
      case '[':
        kind = 'TextUrl';
        break;
      case '!':
        if (next !== '[') reserved(char);
        kind = 'CustomEmoji';
        index += 1;
        break;
      case '`':
        if (next === '`' && source.charAt(index + 2) === '`') {
          index += 3;
          kind = 'Pre';
          let languageEnd = index;
          while (languageEnd < source.length && !/[\s`]/.test(source.charAt(languageEnd)))
            languageEnd += 1;
          if (
            languageEnd !== index &&
            languageEnd < source.length &&
            source.charAt(languageEnd) !== '`'
          ) {
            kind = 'PreCode';
            language = source.slice(index, languageEnd);
            index = languageEnd;
          }
          index = skipOneNewline(source, index) - 1;
        } else kind = 'Code';
        break;
      default:
        return reserved(char);
    }
    open.push({
      kind,
      offset: text.length,
      sourceIndex,
      ...(language === undefined ? {} : { language }),
    });
  }

  const unclosed = open.at(-1);
  if (unclosed) {
    throw cantParseEntities(
      `Can't find end of ${unclosed.kind} entity at byte offset ${byteOffsetAt(source, unclosed.sourceIndex)}`,
    );
  }
  closeQuote();
  return { text, entities: sortEntities(entities) };
}

function endsEntity(kind: EntityKind, source: string, index: number): boolean {
  const char = source.charAt(index);
  const next = source.charAt(index + 1);
  switch (kind) {
    case 'Bold':
      return char === '*';
    case 'Italic':
      return char === '_' && next !== '_';
    case 'Underline':
      return char === '_' && next === '_';
    case 'Strikethrough':
      return char === '~';
    case 'Spoiler':
      return char === '|' && next === '|';
    case 'Code':
      return char === '`';
    case 'Pre':
    case 'PreCode':
      return char === '`' && next === '`' && source.charAt(index + 2) === '`';
    case 'TextUrl':
    case 'CustomEmoji':
      return char === ']';
  }
}

function skipOneNewline(source: string, index: number): number {
  const char = source.charAt(index);
  if (char !== '\n' && char !== '\r') return index;
  const next = source.charAt(index + 1);
  return (next === '\n' || next === '\r') && next !== char ? index + 2 : index + 1;
}

function toEntity(open: OpenEntity, length: number, url: string | undefined): MessageEntity {
  const base = { offset: open.offset, length };
  switch (open.kind) {
    case 'Bold':
      return { type: 'bold', ...base };
    case 'Italic':
      return { type: 'italic', ...base };
    case 'Underline':
      return { type: 'underline', ...base };
    case 'Strikethrough':
      return { type: 'strikethrough', ...base };
    case 'Spoiler':
      return { type: 'spoiler', ...base };
    case 'Code':
      return { type: 'code', ...base };
    case 'Pre':
      return { type: 'pre', ...base };
    case 'PreCode':
      return { type: 'pre', ...base, language: open.language ?? '' };
    case 'TextUrl':
      return { type: 'text_link', ...base, url: url ?? '' };
    case 'CustomEmoji':
      return {
        type: 'custom_emoji',
        ...base,
        custom_emoji_id: /[?&]id=(\d+)/.exec(url ?? '')?.[1] ?? '',
      };
  }
}
