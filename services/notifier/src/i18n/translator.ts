import type { Language, Quality } from '@mediabot/contracts';
import type { PluralForms, Template } from './catalog.ts';
import { fr } from './locales/fr.ts';
import { es } from './locales/es.ts';
import { ru } from './locales/ru.ts';
import {
  en,
  escapeHtml,
  isTrustedHtml,
  type Catalog,
  type MessageKey,
  type ParamsArgument,
} from './messages.ts';

export const catalogs: Readonly<Record<Language, Catalog>> = { en, fr, es, ru };

/** Language names as their speakers write them (the same in every locale). */
export const languageNames: Readonly<Record<Language, string>> = {
  en: 'English',
  fr: 'Français',
  es: 'Español',
  ru: 'Русский',
};

export const languageFlags: Readonly<Record<Language, string>> = {
  en: '🇬🇧',
  fr: '🇫🇷',
  es: '🇪🇸',
  ru: '🇷🇺',
};

const KB = 1024;
const MB = KB * 1024;
const GB = MB * 1024;

export interface Translator {
  readonly language: Language;
  /** A message with its placeholders filled (strings escaped for Telegram HTML, numbers localised). */
  t<K extends MessageKey>(key: K, ...params: ParamsArgument<K>): string;
  /** The same without HTML escaping, for plain-text places such as button labels. */
  plain<K extends MessageKey>(key: K, ...params: ParamsArgument<K>): string;
  number(value: number, fractionDigits?: number): string;
  /** 45 → "45%" ("45 %" in French). */
  percent(value: number): string;
  /** `rounded`: "34 MB" (quality buttons, limits); `precise`: "12.3 MB" (progress). */
  bytes(bytes: number, style?: 'rounded' | 'precise'): string;
  /** "12.3/27.0 MB": both sides in the unit of the total. */
  byteProgress(done: number, total: number): string;
  speed(bytesPerSecond: number): string;
  /** Time left: "7s", "2m 05s", "1h 02m". */
  eta(seconds: number): string;
  /** Length of a video or song: "3:45", "1:02:03". */
  duration(seconds: number): string;
  date(date: Date): string;
  /** "in 24 hours", "dans 3 jours", "через 24 часа". */
  relativeTime(from: Date, to: Date): string;
  quality(quality: Quality): string;
}

function pluralTemplate(language: Language, forms: PluralForms, count: number): string {
  const category = new Intl.PluralRules(language).select(count);
  return forms[category] ?? forms.other;
}

type CatalogSources = Readonly<Partial<Record<Language, Partial<Catalog>>>>;

function templateFor(
  sources: CatalogSources,
  language: Language,
  key: MessageKey,
  count: unknown,
): string {
  const template: Template = sources[language]?.[key] ?? en[key];
  if (typeof template === 'string') return template;
  const number = typeof count === 'number' ? count : 0;
  return pluralTemplate(language, template, number);
}

/** `sources` replaces the shipped catalogs in tests; a key a locale lacks falls back to English. */
export function createTranslator(
  language: Language,
  sources: CatalogSources = catalogs,
): Translator {
  const numberFormats = new Map<number, Intl.NumberFormat>();
  const numberFormat = (fractionDigits: number) => {
    let format = numberFormats.get(fractionDigits);
    if (!format) {
      format = new Intl.NumberFormat(language, {
        minimumFractionDigits: fractionDigits,
        maximumFractionDigits: fractionDigits,
      });
      numberFormats.set(fractionDigits, format);
    }
    return format;
  };
  const number = (value: number, fractionDigits = 0) => numberFormat(fractionDigits).format(value);

  const fill = (key: MessageKey, params: Record<string, unknown>, escape: boolean): string =>
    templateFor(sources, language, key, params['count']).replace(
      /\{(\w+)\}/g,
      (whole, name: string) => {
        const value = params[name];
        if (typeof value === 'number') return number(value, Number.isInteger(value) ? 0 : 1);
        if (typeof value === 'string') return escape ? escapeHtml(value) : value;
        if (isTrustedHtml(value)) return value.html;
        return whole;
      },
    );
  const paramsOf = (args: readonly unknown[]): Record<string, unknown> =>
    (args[0] ?? {}) as Record<string, unknown>;
  const t = <K extends MessageKey>(key: K, ...args: ParamsArgument<K>): string =>
    fill(key, paramsOf(args), true);
  const plain = <K extends MessageKey>(key: K, ...args: ParamsArgument<K>): string =>
    fill(key, paramsOf(args), false);

  const inUnit = (value: string, unit: 'kb' | 'mb' | 'gb') =>
    t(unit === 'kb' ? 'unit.kb' : unit === 'mb' ? 'unit.mb' : 'unit.gb', { value });

  const bytes = (size: number, style: 'rounded' | 'precise' = 'rounded'): string => {
    if (size >= GB)
      return inUnit(number(size / GB, style === 'rounded' && size % GB === 0 ? 0 : 1), 'gb');
    if (size >= MB || style === 'precise')
      return inUnit(number(size / MB, style === 'rounded' ? 0 : 1), 'mb');
    return inUnit(number(Math.max(1, Math.round(size / KB))), 'kb');
  };

  const pad = (value: number) => String(value).padStart(2, '0');

  return {
    language,
    t,
    plain,
    number,
    percent(value) {
      return new Intl.NumberFormat(language, { style: 'percent', maximumFractionDigits: 0 }).format(
        value / 100,
      );
    },
    bytes,
    byteProgress(done, total) {
      const unit = total >= GB ? GB : MB;
      const text = `${number(done / unit, 1)}/${number(total / unit, 1)}`;
      return inUnit(text, unit === GB ? 'gb' : 'mb');
    },
    speed(bytesPerSecond) {
      const size =
        bytesPerSecond >= MB
          ? inUnit(number(bytesPerSecond / MB, 1), 'mb')
          : inUnit(number(Math.round(bytesPerSecond / KB)), 'kb');
      return t('unit.per-second', { size: { html: size } });
    },
    eta(totalSeconds) {
      const seconds = Math.max(0, Math.round(totalSeconds));
      if (seconds < 60) return t('unit.seconds', { seconds: String(seconds) });
      if (seconds < 3600)
        return t('unit.minutes', {
          minutes: String(Math.floor(seconds / 60)),
          seconds: pad(seconds % 60),
        });
      return t('unit.hours', {
        hours: String(Math.floor(seconds / 3600)),
        minutes: pad(Math.floor((seconds % 3600) / 60)),
      });
    },
    duration(totalSeconds) {
      const seconds = Math.max(0, Math.round(totalSeconds));
      const hours = Math.floor(seconds / 3600);
      const minutes = Math.floor((seconds % 3600) / 60);
      return hours > 0
        ? `${hours}:${pad(minutes)}:${pad(seconds % 60)}`
        : `${minutes}:${pad(seconds % 60)}`;
    },
    date(date) {
      return new Intl.DateTimeFormat(language, { dateStyle: 'long', timeZone: 'UTC' }).format(date);
    },
    relativeTime(from, to) {
      const seconds = Math.max(0, (to.getTime() - from.getTime()) / 1000);
      const format = new Intl.RelativeTimeFormat(language, { numeric: 'always' });
      if (seconds < 3600) return format.format(Math.max(1, Math.round(seconds / 60)), 'minute');
      if (seconds < 2 * 86_400) return format.format(Math.round(seconds / 3600), 'hour');
      return format.format(Math.round(seconds / 86_400), 'day');
    },
    quality(quality) {
      return plain(`quality.${quality}`);
    },
  };
}
