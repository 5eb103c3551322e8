import { choosableQualitySchema, type ChoosableQuality } from './download.ts';
import { languageSchema, qualitySchema, type Language, type Quality } from './shared.ts';

/**
 * What an inline button carries from the notifier (which draws it) to the gateway (which gets it
 * back in a callback query). Telegram allows 1-64 bytes.
 */
export type CallbackAction =
  | { kind: 'choose-quality'; requestId: string; quality: ChoosableQuality }
  | { kind: 'cancel'; requestId: string }
  | { kind: 'set-language'; languageCode: Language }
  | { kind: 'set-default-quality'; quality: Quality };

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function encodeCallback(action: CallbackAction): string {
  switch (action.kind) {
    case 'choose-quality':
      return `q:${action.requestId}:${action.quality}`;
    case 'cancel':
      return `x:${action.requestId}`;
    case 'set-language':
      return `s:l:${action.languageCode}`;
    case 'set-default-quality':
      return `s:q:${action.quality}`;
  }
}

/** Undefined for anything we did not draw (old buttons, forged data). */
export function decodeCallback(data: string): CallbackAction | undefined {
  const [tag, first, second, ...rest] = data.split(':');
  if (rest.length > 0) return undefined;
  if (tag === 'q' && first && uuid.test(first)) {
    const quality = choosableQualitySchema.safeParse(second);
    return quality.success
      ? { kind: 'choose-quality', requestId: first, quality: quality.data }
      : undefined;
  }
  if (tag === 'x' && first && uuid.test(first) && second === undefined)
    return { kind: 'cancel', requestId: first };
  if (tag === 's' && first === 'l') {
    const language = languageSchema.safeParse(second);
    return language.success ? { kind: 'set-language', languageCode: language.data } : undefined;
  }
  if (tag === 's' && first === 'q') {
    const quality = qualitySchema.safeParse(second);
    return quality.success ? { kind: 'set-default-quality', quality: quality.data } : undefined;
  }
  return undefined;
}
