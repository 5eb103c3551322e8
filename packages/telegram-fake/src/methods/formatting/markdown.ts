import type { MessageEntity } from '../../bot-api/types.ts';
import { byteOffsetAt } from '../../shared/text-units.ts';
import {
  cantParseEntities,
  isAcceptableLink,
  sortEntities,
  type FormattedText,
} from './formatted-text.ts';

// The legacy parse_mode=Markdown: *bold*, _italic_, `code`, ```pre```, [text](url), no nesting.

export function parseMarkdown(source: string): FormattedText {
  let text = '';
  const entities: MessageEntity[] = [];
  let index = 0;
  while (index < source.length) {
    const char = source.charAt(index);
    const next = source.charAt(index + 1);
    if (char === '\\' && '_*`['.includes(next) && next !== '') {
      text += next;
      index += 2;
      continue;
    }
    if (!'_*`['.includes(char)) {
      text += char;
      index += 1;
      continue;
    }

    const begin = index;
    const endChar = char === '[' ? ']' : char;
    let isPre = false;
    let language: string | undefined;
    index += 1;
    if (char === '`' && source.charAt(index) === '`' && source.charAt(index + 1) === '`') {
      index += 2;
      isPre = true;
      let languageEnd = index;
      while (languageEnd < source.length && !/[\s`]/.test(source.charAt(languageEnd)))
        languageEnd += 1;
      if (
        languageEnd !== index &&
        languageEnd < source.length &&
        source.charAt(languageEnd) !== '`'
      ) {
        language = source.slice(index, languageEnd);
        index = languageEnd;
      }
      const newline = source.charAt(index);
      if (newline === '\n' || newline === '\r') {
        const after = source.charAt(index + 1);
        index += (after === '\n' || after === '\r') && after !== newline ? 2 : 1;
      }
    }

    const offset = text.length;
    while (
      index < source.length &&
      (source.charAt(index) !== endChar ||
        (isPre && !(source.charAt(index + 1) === '`' && source.charAt(index + 2) === '`')))
    ) {
      text += source.charAt(index);
      index += 1;
    }
    if (index >= source.length) {
      throw cantParseEntities(
        `Can't find end of the entity starting at byte offset ${byteOffsetAt(source, begin)}`,
      );
    }

    const length = text.length - offset;
    if (length > 0) {
      const base = { offset, length };
      if (char === '_') entities.push({ type: 'italic', ...base });
      else if (char === '*') entities.push({ type: 'bold', ...base });
      else if (char === '`') {
        entities.push(
          isPre
            ? { type: 'pre', ...base, ...(language === undefined ? {} : { language }) }
            : { type: 'code', ...base },
        );
      }
    }
    if (char === '[') {
      let url = text.slice(offset);
      if (source.charAt(index + 1) === '(') {
        index += 2;
        url = '';
        while (index < source.length && source.charAt(index) !== ')') {
          url += source.charAt(index);
          index += 1;
        }
      }
      if (length > 0 && isAcceptableLink(url))
        entities.push({ type: 'text_link', offset, length, url });
    }
    index += isPre ? 3 : 1;
  }
  return { text, entities: sortEntities(entities) };
}
