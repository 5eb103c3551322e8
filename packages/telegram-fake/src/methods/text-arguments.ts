import { badRequest, Reasons } from '../bot-api/errors.ts';
import type { MessageEntity } from '../bot-api/types.ts';
import { codePointLength } from '../shared/text-units.ts';
import { withAutoEntities } from './formatting/auto-entities.ts';
import { formatText, readEntities } from './formatting/parse-text.ts';
import type { Params } from './params.ts';

export interface MessageText {
  text: string;
  entities: MessageEntity[];
}

/** text + parse_mode/entities, as stored: parsed, trimmed, checked against 4096 characters. */
export function messageText(params: Params, maxLength: number): MessageText {
  const raw = params.string('text') ?? '';
  const formatted = formatText(
    raw,
    params.string('parse_mode'),
    readEntities(params.raw('entities')),
  );
  if (formatted.text === '') throw badRequest(Reasons.textEmpty);
  if (codePointLength(formatted.text) > maxLength) throw badRequest(Reasons.textTooLong);
  return { text: formatted.text, entities: withAutoEntities(formatted.text, formatted.entities) };
}

/** caption + parse_mode/caption_entities; absent when empty. */
export function captionText(params: Params, maxLength: number): MessageText | undefined {
  const raw = params.string('caption') ?? '';
  if (raw === '') return undefined;
  const formatted = formatText(
    raw,
    params.string('parse_mode'),
    readEntities(params.raw('caption_entities')),
  );
  if (formatted.text === '') return undefined;
  if (codePointLength(formatted.text) > maxLength) throw badRequest(Reasons.captionTooLong);
  return { text: formatted.text, entities: withAutoEntities(formatted.text, formatted.entities) };
}

export function textFields(text: MessageText): { text: string; entities?: MessageEntity[] } {
  return text.entities.length > 0
    ? { text: text.text, entities: text.entities }
    : { text: text.text };
}

export function captionFields(caption: MessageText | undefined): {
  caption?: string;
  caption_entities?: MessageEntity[];
} {
  if (!caption) return {};
  return caption.entities.length > 0
    ? { caption: caption.text, caption_entities: caption.entities }
    : { caption: caption.text };
}
