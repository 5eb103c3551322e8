import { describe, expect, it } from 'vitest';
import { supportedLanguages, type Language } from '@mediabot/contracts';
import type { PluralForms, Template } from './catalog.ts';
import { en } from './locales/en.ts';
import { catalogs, createTranslator } from './translator.ts';

const keys = Object.keys(en).sort();
const placeholdersOf = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((match) => match[1]);
const tagsOf = (text: string) => [...text.matchAll(/<\/?[a-z]+/g)].map((match) => match[0]);
const formsOf = (template: Template): string[] =>
  typeof template === 'string'
    ? [template]
    : Object.values(template).filter((form): form is string => typeof form === 'string');
const placeholderSet = (template: Template) =>
  [...new Set(formsOf(template).flatMap(placeholdersOf))].sort();

describe.each(supportedLanguages.filter((language) => language !== 'en'))(
  'locale %s',
  (language) => {
    const catalog = catalogs[language] as Readonly<Record<string, Template>>;

    it('has exactly the English keys', () => {
      expect(Object.keys(catalog).sort()).toEqual(keys);
    });

    it.each(keys)('%s has the same placeholders, markup and kind as English', (key) => {
      const reference = (en as Readonly<Record<string, Template>>)[key];
      const translated = catalog[key];
      expect(reference).toBeDefined();
      expect(translated).toBeDefined();
      if (reference === undefined || translated === undefined) return;
      expect(typeof translated).toBe(typeof reference);
      expect(placeholderSet(translated)).toEqual(placeholderSet(reference));
      for (const form of formsOf(translated))
        expect(tagsOf(form)).toEqual(tagsOf(formsOf(reference)[0] ?? ''));
    });
  },
);

describe.each(supportedLanguages)('plural forms in %s', (language: Language) => {
  const catalog = catalogs[language] as Readonly<Record<string, Template>>;
  const categories = new Intl.PluralRules(language).resolvedOptions().pluralCategories;
  const plurals = Object.entries(catalog).filter(
    (entry): entry is [string, PluralForms] => typeof entry[1] !== 'string',
  );

  it('has at least one plural message', () => expect(plurals.length).toBeGreaterThan(0));

  it.each(plurals)('%s has a form for every category of the language', (_key, forms) => {
    for (const category of categories) expect(forms, category).toHaveProperty(category);
    for (const form of formsOf(forms)) expect(placeholdersOf(form)).toContain('count');
  });
});

describe('translator', () => {
  it('picks Russian plural forms by Intl.PluralRules', () => {
    const ru = createTranslator('ru');
    expect(ru.t('stats.files', { count: 1 })).toBe('📁 1 файл получен');
    expect(ru.t('stats.files', { count: 3 })).toBe('📁 3 файла получено');
    expect(ru.t('stats.files', { count: 5 })).toBe('📁 5 файлов получено');
    expect(ru.t('stats.files', { count: 21 })).toBe('📁 21 файл получен');
    expect(ru.t('rejected.rate_limited', { count: 12 })).toContain('через 12 секунд.');
    expect(ru.t('rejected.rate_limited', { count: 22 })).toContain('через 22 секунды.');
  });

  it('uses the English and French plural categories', () => {
    expect(createTranslator('en').t('stats.files', { count: 1 })).toBe('📁 1 file received');
    expect(createTranslator('en').t('stats.files', { count: 0 })).toBe('📁 0 files received');
    expect(createTranslator('fr').t('stats.files', { count: 0 })).toBe('📁 0 fichier reçu');
    expect(createTranslator('fr').t('stats.files', { count: 1_000_000 })).toBe(
      '📁 1\u202f000\u202f000 de fichiers reçus',
    );
  });

  it('escapes values for Telegram HTML and keeps trusted markup', () => {
    const en = createTranslator('en');
    expect(en.t('cancel.confirm', { title: 'Tom & <Jerry>' })).toBe(
      'Stop this download?\n<b>Tom &amp; &lt;Jerry&gt;</b>',
    );
    expect(en.t('status.eta', { eta: { html: '<i>7s</i>' } })).toBe('ETA <i>7s</i>');
  });

  it('falls back to English for a key a locale lacks', () => {
    const partial = createTranslator('fr', { fr: { 'status.cancelled': '🚫 Annulé.' } });
    expect(partial.t('status.cancelled')).toBe('🚫 Annulé.');
    expect(partial.t('status.looking')).toBe('🔎 Looking at your link…');
  });

  it('formats sizes, speeds and durations the way each language writes them', () => {
    const en = createTranslator('en');
    const fr = createTranslator('fr');
    const ru = createTranslator('ru');
    const MB = 1024 * 1024;
    expect(en.bytes(34 * MB + 200_000)).toBe('34 MB');
    expect(en.bytes(300 * 1024)).toBe('300 KB');
    expect(en.bytes(50 * MB)).toBe('50 MB');
    expect(en.bytes(2000 * MB)).toBe('2.0 GB');
    expect(en.bytes(2 * 1024 * MB)).toBe('2 GB');
    expect(en.byteProgress(12.3 * MB, 27 * MB)).toBe('12.3/27.0 MB');
    expect(fr.byteProgress(12.3 * MB, 27 * MB)).toBe('12,3/27,0\u00a0Mo');
    expect(en.speed(2.1 * MB)).toBe('2.1 MB/s');
    expect(ru.speed(512 * 1024)).toBe('512 КБ/с');
    expect(en.eta(7)).toBe('7s');
    expect(en.eta(125)).toBe('2m 05s');
    expect(fr.eta(3720)).toBe('1\u00a0h 02\u00a0min');
    expect(en.duration(225)).toBe('3:45');
    expect(en.duration(3723)).toBe('1:02:03');
    expect(ru.relativeTime(new Date(0), new Date(24 * 3600_000))).toBe('через 24 часа');
    expect(en.quality('audio-mp3')).toBe('Audio MP3');
  });
});
