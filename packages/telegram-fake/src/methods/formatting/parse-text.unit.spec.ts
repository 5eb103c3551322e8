import { describe, expect, it } from 'vitest';
import { BotApiError } from '../../bot-api/errors.ts';
import { findAutoEntities } from './auto-entities.ts';
import { formatText } from './parse-text.ts';

const failure = (run: () => unknown): string => {
  try {
    run();
  } catch (error) {
    if (error instanceof BotApiError) return error.description;
    throw error;
  }
  throw new Error('expected a Bot API error');
};

describe('HTML parse mode', () => {
  it('turns tags into entities at UTF-16 offsets and decodes entities', () => {
    const { text, entities } = formatText(
      '<b>Done</b> 🎬 <a href="https://example.com/v">video</a> &lt;3 &amp; <code>x</code>',
      'HTML',
      undefined,
    );
    expect(text).toBe('Done 🎬 video <3 & x');
    expect(entities).toEqual([
      { type: 'bold', offset: 0, length: 4 },
      { type: 'text_link', offset: 8, length: 5, url: 'https://example.com/v' },
      { type: 'code', offset: 19, length: 1 },
    ]);
  });

  it('keeps the language of <pre><code class="language-x">', () => {
    const { entities } = formatText(
      '<pre><code class="language-ts">let a</code></pre>',
      'html',
      undefined,
    );
    expect(entities).toEqual([{ type: 'pre', offset: 0, length: 5, language: 'ts' }]);
  });

  it("refuses markup Telegram refuses, in Telegram's words", () => {
    expect(failure(() => formatText('a <br> b', 'HTML', undefined))).toBe(
      'Bad Request: can\'t parse entities: Unsupported start tag "br" at byte offset 2',
    );
    expect(failure(() => formatText('<b>open', 'HTML', undefined))).toBe(
      'Bad Request: can\'t parse entities: Can\'t find end tag corresponding to start tag "b"',
    );
    expect(failure(() => formatText('<b>x</i>', 'HTML', undefined))).toBe(
      'Bad Request: can\'t parse entities: Unmatched end tag at byte offset 4, expected "</b>", found "</i>"',
    );
  });
});

describe('MarkdownV2 parse mode', () => {
  it('parses nested markup, escapes and links', () => {
    const { text, entities } = formatText(
      '*bold _italic_* \\(50%\\) [link](https://example.com/a\\)b) __u__ ||s|| `c\\`d`',
      'MarkdownV2',
      undefined,
    );
    expect(text).toBe('bold italic (50%) link u s c`d');
    expect(entities).toEqual([
      { type: 'bold', offset: 0, length: 11 },
      { type: 'italic', offset: 5, length: 6 },
      { type: 'text_link', offset: 18, length: 4, url: 'https://example.com/a)b' },
      { type: 'underline', offset: 23, length: 1 },
      { type: 'spoiler', offset: 25, length: 1 },
      { type: 'code', offset: 27, length: 3 },
    ]);
  });

  it('requires reserved characters to be escaped', () => {
    expect(failure(() => formatText('Done. 100%', 'MarkdownV2', undefined))).toBe(
      "Bad Request: can't parse entities: Character '.' is reserved and must be escaped with the preceding '\\'",
    );
    expect(failure(() => formatText('a *bold', 'MarkdownV2', undefined))).toBe(
      "Bad Request: can't parse entities: Can't find end of Bold entity at byte offset 2",
    );
  });

  it('parses a fenced block with its language', () => {
    const { text, entities } = formatText('```python\nprint(1)\n```', 'MarkdownV2', undefined);
    expect(text).toBe('print(1)');
    expect(entities).toEqual([{ type: 'pre', offset: 0, length: 8, language: 'python' }]);
  });
});

describe('legacy Markdown parse mode', () => {
  it('parses the four entities and reports an unclosed one by byte offset', () => {
    expect(formatText('*b* _i_ `c` [l](http://x.io)', 'Markdown', undefined).entities).toHaveLength(
      4,
    );
    expect(failure(() => formatText('é *x', 'Markdown', undefined))).toBe(
      "Bad Request: can't parse entities: Can't find end of the entity starting at byte offset 3",
    );
  });
});

describe('text as stored', () => {
  it('strips surrounding whitespace and moves entities with it', () => {
    const { text, entities } = formatText('  \n<b>hi</b> \n', 'HTML', undefined);
    expect(text).toBe('hi');
    expect(entities).toEqual([{ type: 'bold', offset: 0, length: 2 }]);
  });

  it('refuses an unknown parse mode', () => {
    expect(failure(() => formatText('x', 'BBCode', undefined))).toBe(
      'Bad Request: unsupported parse_mode',
    );
  });

  it('finds commands, links, mentions and emails by itself', () => {
    const text =
      '/get@mediabot_fake_bot https://youtu.be/x?t=1, see vimeo.com/1 or ask @support_team, a@b.io';
    expect(
      findAutoEntities(text).map(({ type, offset, length }) => [
        type,
        text.slice(offset, offset + length),
      ]),
    ).toEqual([
      ['email', 'a@b.io'],
      ['url', 'https://youtu.be/x?t=1'],
      ['url', 'vimeo.com/1'],
      ['bot_command', '/get@mediabot_fake_bot'],
      ['mention', '@support_team'],
    ]);
  });
});
