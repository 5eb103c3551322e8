import type { Language } from '@mediabot/contracts';
import type { CatalogOf, ParamValue, TemplatePlaceholders, TrustedHtml } from './catalog.ts';
import { en, type MessageKey } from './locales/en.ts';

export type { MessageKey };
/** Every locale has every key (the type checker enforces it; a unit test checks placeholders). */
export type Catalog = CatalogOf<MessageKey>;

export type MessageParams<K extends MessageKey> = {
  [P in TemplatePlaceholders<(typeof en)[K]>]: ParamValue;
};

/** The arguments after the key: none for a message without placeholders, else its params. */
export type ParamsArgument<K extends MessageKey> = [TemplatePlaceholders<(typeof en)[K]>] extends [
  never,
]
  ? []
  : [params: MessageParams<K>];

export const trusted = (html: string): TrustedHtml => ({ html });

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (character) =>
    character === '&'
      ? '&amp;'
      : character === '<'
        ? '&lt;'
        : character === '>'
          ? '&gt;'
          : '&quot;',
  );
}

export function isTrustedHtml(value: unknown): value is TrustedHtml {
  return typeof value === 'object' && value !== null && 'html' in value;
}

export { en };
export type { Language };
