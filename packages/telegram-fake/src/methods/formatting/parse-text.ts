import { z } from 'zod';
import { badRequest, Reasons } from '../../bot-api/errors.ts';
import type { MessageEntity } from '../../bot-api/types.ts';
import { whitespaceAround } from '../../shared/text-units.ts';
import { sortEntities, type FormattedText } from './formatted-text.ts';
import { parseHtml } from './html.ts';
import { parseMarkdown } from './markdown.ts';
import { parseMarkdownV2 } from './markdown-v2.ts';

export type { FormattedText } from './formatted-text.ts';

const entitySchema = z.looseObject({
  type: z.string().min(1),
  offset: z.number().int().nonnegative(),
  length: z.number().int().positive(),
  url: z.string().optional(),
  language: z.string().optional(),
  custom_emoji_id: z.string().optional(),
});

const entitiesSchema = z.array(entitySchema);

/** Reads an explicit `entities` / `caption_entities` argument (a JSON array, or its text). */
export function readEntities(raw: unknown): MessageEntity[] | undefined {
  if (raw === undefined || raw === '') return undefined;
  let value: unknown = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw);
    } catch {
      throw badRequest(Reasons.entitiesJson);
    }
  }
  const parsed = entitiesSchema.safeParse(value);
  if (!parsed.success) throw badRequest(Reasons.entitiesJson);
  return parsed.data.map((entity) => {
    const { type, offset, length, url, language, custom_emoji_id } = entity;
    return {
      type,
      offset,
      length,
      ...(url === undefined ? {} : { url }),
      ...(language === undefined ? {} : { language }),
      ...(custom_emoji_id === undefined ? {} : { custom_emoji_id }),
    };
  });
}

/**
 * Turns the text a bot sent into what Telegram stores: markup parsed (or explicit entities taken
 * instead of parse_mode), surrounding whitespace stripped with the entities moved to match.
 */
export function formatText(
  raw: string,
  parseMode: string | undefined,
  explicitEntities: MessageEntity[] | undefined,
): FormattedText {
  let formatted: FormattedText;
  if (explicitEntities !== undefined) {
    formatted = { text: raw, entities: explicitEntities };
  } else {
    switch ((parseMode ?? '').toLowerCase()) {
      case '':
        formatted = { text: raw, entities: [] };
        break;
      case 'html':
        formatted = parseHtml(raw);
        break;
      case 'markdownv2':
        formatted = parseMarkdownV2(raw);
        break;
      case 'markdown':
        formatted = parseMarkdown(raw);
        break;
      default:
        throw badRequest(Reasons.unsupportedParseMode);
    }
  }
  return stripSurroundingWhitespace(formatted);
}

function stripSurroundingWhitespace({ text, entities }: FormattedText): FormattedText {
  const { leading, trailing } = whitespaceAround(text);
  if (leading === 0 && trailing === 0) return { text, entities };
  const stripped = text.slice(leading, text.length - trailing);
  const moved = entities.flatMap((entity) => {
    const start = Math.max(0, entity.offset - leading);
    const end = Math.min(stripped.length, entity.offset + entity.length - leading);
    return end > start ? [{ ...entity, offset: start, length: end - start }] : [];
  });
  return { text: stripped, entities: sortEntities(moved) };
}
