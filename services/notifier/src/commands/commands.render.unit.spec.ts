import { describe, expect, it } from 'vitest';
import { decodeCallback } from '@mediabot/contracts';
import { createTranslator } from '../i18n/index.ts';
import type { Keyboard } from '../rendering/rendered-message.ts';
import { newRequest } from '../status/request-state.ts';
import {
  renderCancelPrompt,
  renderHelp,
  renderRejection,
  renderSettings,
  renderStats,
  renderWelcome,
} from './commands.render.ts';

const en = createTranslator('en');
const actionsOf = (keyboard: Keyboard | undefined) =>
  keyboard?.map((row) =>
    row.map((button) =>
      'callback_data' in button ? decodeCallback(button.callback_data) : undefined,
    ),
  );

describe('command answers', () => {
  it('welcomes by name with the account summary', () => {
    const text = renderWelcome(createTranslator('es'), {
      firstName: 'Lucía <3',
      profile: {
        telegramUserId: 1,
        language: 'es',
        defaultQuality: '720p',
        registeredAt: null,
        deliveredCount: 12,
      },
    }).text;
    expect(text.startsWith('👋 ¡Hola, Lucía &lt;3!')).toBe(true);
    expect(text).toContain('Idioma: Español\nCalidad predeterminada: 720p\nArchivos recibidos: 12');
  });

  it('gives the upload limit in the guide', () => {
    expect(renderHelp(en, 50 * 1024 * 1024).text).toContain('upload files up to 50 MB');
    expect(renderHelp(en, 2000 * 1024 * 1024).text).toContain('upload files up to 2.0 GB');
  });

  it('offers every language and default quality, marking the current ones', () => {
    const settings = renderSettings(en, { language: 'ru', defaultQuality: 'ask' });
    expect(settings.keyboard?.map((row) => row.map((button) => button.text))).toEqual([
      ['🇬🇧 English', '🇫🇷 Français'],
      ['🇪🇸 Español', '✓ 🇷🇺 Русский'],
      ['1080p', '720p', '360p'],
      ['Audio MP3', '✓ Ask every time'],
    ]);
    expect(actionsOf(settings.keyboard)?.flat()).toEqual([
      { kind: 'set-language', languageCode: 'en' },
      { kind: 'set-language', languageCode: 'fr' },
      { kind: 'set-language', languageCode: 'es' },
      { kind: 'set-language', languageCode: 'ru' },
      { kind: 'set-default-quality', quality: '1080p' },
      { kind: 'set-default-quality', quality: '720p' },
      { kind: 'set-default-quality', quality: '360p' },
      { kind: 'set-default-quality', quality: 'audio-mp3' },
      { kind: 'set-default-quality', quality: 'ask' },
    ]);
  });

  it('confirms a change above the settings, in the new language', () => {
    const ru = renderSettings(
      createTranslator('ru'),
      { language: 'ru', defaultQuality: '360p' },
      'language',
    );
    expect(ru.text.split('\n')[0]).toBe('✅ Сохранено: язык — Русский.');
  });

  it('counts with the plural rules of the language', () => {
    const stats = renderStats(createTranslator('ru'), {
      delivered: 22,
      requests: 25,
      active: 1,
      failed: 3,
      since: new Date('2026-03-08T10:00:00Z'),
    });
    expect(stats.text).toBe(
      '📊 <b>Твоя статистика</b>\n\n📁 22 файла получено\n🔗 25 ссылок отправлено\n⏳ 1 загрузка в процессе\n⚠️ 3 загрузки не удались\n\nТы со мной с 8 марта 2026 г.',
    );
    expect(
      renderStats(en, { delivered: 0, requests: 0, active: 0, failed: 0, since: null }).text,
    ).toContain('Nothing here yet');
  });

  it('asks which download to stop, or says there is none', () => {
    expect(renderCancelPrompt(en, []).text).toBe('There’s nothing to cancel right now.');
    const one = {
      ...newRequest('01a20b45-c474-73ab-b62e-e8a25ea048d8', 1, new Date()),
      title: 'Tom & Jerry',
    };
    const single = renderCancelPrompt(en, [one]);
    expect(single.text).toBe('Stop this download?\n<b>Tom &amp; Jerry</b>');
    expect(actionsOf(single.keyboard)).toEqual([[{ kind: 'cancel', requestId: one.requestId }]]);
    const two = {
      ...newRequest('01a20b45-c474-73ab-b62e-e8a25ea048d9', 1, new Date()),
      title: null,
    };
    const several = renderCancelPrompt(en, [one, two]);
    expect(several.keyboard?.map((row) => row.map((button) => button.text))).toEqual([
      ['✖️ Tom & Jerry'],
      ['✖️ Your link'],
    ]);
  });

  it.each([
    ['no_link', undefined, 'Send me a link'],
    ['invalid_url', undefined, 'doesn’t look like a link'],
    ['scheme_not_allowed', undefined, 'http:// or https://'],
    ['url_too_long', undefined, 'too long'],
    ['blocked_address', undefined, 'private or local network'],
    ['too_many_links', undefined, 'I took the first few'],
    ['rate_limited', 42, 'Try again in 42 seconds.'],
    ['rate_limited', 1, 'Try again in 1 second.'],
    ['rate_limited', undefined, 'Try again in a minute.'],
    ['unknown_command', undefined, '/help'],
  ] as const)('hints at %s', (reason, retryAfter, expected) => {
    expect(renderRejection(en, reason, retryAfter).text).toContain(expected);
  });
});
