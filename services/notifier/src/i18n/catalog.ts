import type { Language } from '@mediabot/contracts';

/**
 * The forms of a message that depends on a number, by CLDR plural category
 * (Intl.PluralRules): English needs one/other, Russian one/few/many/other, French and Spanish
 * one/many/other ("1 000 000 de fichiers"). The number is the `count` placeholder.
 */
export interface PluralForms {
  zero?: string;
  one?: string;
  two?: string;
  few?: string;
  many?: string;
  other: string;
}

/**
 * A message: Telegram HTML with `{placeholder}`s. Placeholder values are escaped when they are
 * filled in, so a title such as `<b>` reaches the user as text.
 */
export type Template = string | PluralForms;

/** Placeholder names of one template string, taken from its literal type. */
type PlaceholdersOf<S extends string> = S extends `${string}{${infer Name}}${infer Rest}`
  ? Name | PlaceholdersOf<Rest>
  : never;

export type TemplatePlaceholders<T> = T extends string
  ? PlaceholdersOf<T>
  : T extends PluralForms
    ? PlaceholdersOf<Extract<T[keyof T], string>> | 'count'
    : never;

/** A value already in Telegram HTML (built by our own code), inserted without escaping. */
export interface TrustedHtml {
  readonly html: string;
}

export type ParamValue = string | number | TrustedHtml;

export type CatalogOf<TKeys extends string> = Readonly<Record<TKeys, Template>>;

export type LanguageCatalogs<TKeys extends string> = Readonly<Record<Language, CatalogOf<TKeys>>>;
