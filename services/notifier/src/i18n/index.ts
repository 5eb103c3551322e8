export {
  createTranslator,
  catalogs,
  languageFlags,
  languageNames,
  type Translator,
} from './translator.ts';
export { escapeHtml, trusted, type Catalog, type MessageKey } from './messages.ts';
export type { PluralForms, Template, TrustedHtml } from './catalog.ts';
