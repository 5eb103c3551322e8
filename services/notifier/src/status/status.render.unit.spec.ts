import { describe, expect, it } from 'vitest';
import { decodeCallback, type QualityOption } from '@mediabot/contracts';
import { createTranslator } from '../i18n/index.ts';
import { newRequest, type RequestFacts } from './request-state.ts';
import {
  optionLabel,
  progressBar,
  progressLine,
  qualityKeyboard,
  renderStatus,
} from './status.render.ts';

const MB = 1024 * 1024;
const requestId = '01a20b45-c474-73ab-b62e-e8a25ea048d8';
const en = createTranslator('en');

const option = (
  quality: QualityOption['quality'],
  estimatedBytes: number | null,
): QualityOption => ({
  quality,
  kind: quality === 'audio-mp3' ? 'audio' : 'video',
  formatSelector: 'best',
  estimatedBytes,
  height: quality === 'audio-mp3' ? null : Number.parseInt(quality, 10),
});

const facts = (overrides: Partial<RequestFacts>): RequestFacts => ({
  ...newRequest(requestId, 42, new Date('2026-01-01T00:00:00Z')),
  ...overrides,
});

describe('quality keyboard', () => {
  const options = [
    option('1080p', 120 * MB),
    option('720p', 34 * MB + 123_456),
    option('360p', null),
    option('audio-mp3', 5 * MB),
  ];

  it('has one button per existing option with its estimated size, two per row, then Cancel', () => {
    const keyboard = qualityKeyboard(requestId, options, en);
    expect(keyboard.map((row) => row.map((button) => button.text))).toEqual([
      ['1080p · 120 MB', '720p · 34 MB'],
      ['360p', 'Audio MP3 · 5 MB'],
      ['✖️ Cancel'],
    ]);
    const actions = keyboard
      .flat()
      .map((button) =>
        'callback_data' in button ? decodeCallback(button.callback_data) : undefined,
      );
    expect(actions).toEqual([
      { kind: 'choose-quality', requestId, quality: '1080p' },
      { kind: 'choose-quality', requestId, quality: '720p' },
      { kind: 'choose-quality', requestId, quality: '360p' },
      { kind: 'choose-quality', requestId, quality: 'audio-mp3' },
      { kind: 'cancel', requestId },
    ]);
  });

  it('only offers what the probe found', () => {
    const keyboard = qualityKeyboard(requestId, [option('audio-mp3', 800 * 1024)], en);
    expect(keyboard.map((row) => row.map((button) => button.text))).toEqual([
      ['Audio MP3 · 800 KB'],
      ['✖️ Cancel'],
    ]);
  });

  it('labels options in the user language, as plain text', () => {
    expect(optionLabel(option('audio-mp3', 5 * MB), createTranslator('ru'))).toBe(
      'Аудио MP3 · 5 МБ',
    );
    expect(optionLabel(option('720p', 34 * MB), createTranslator('fr'))).toBe('720p · 34\u00a0Mo');
  });

  it('offers a video of unknown height as "best video", not under a height it may not have', () => {
    const direct = { ...option('1080p', 3 * MB), height: null };
    expect(optionLabel(direct, en)).toBe('Best video · 3 MB');
    expect(optionLabel(direct, createTranslator('es'))).toMatch(/^Mejor vídeo/);
  });
});

describe('progress', () => {
  it('draws the bar in eighths', () => {
    expect(progressBar(0)).toBe('░░░░░░░░');
    expect(progressBar(45)).toBe('▓▓▓▓░░░░');
    expect(progressBar(100)).toBe('▓▓▓▓▓▓▓▓');
  });

  it('shows percent, sizes, speed and time left', () => {
    const line = progressLine(
      {
        stage: 'downloading',
        percent: 45,
        downloadedBytes: 12.3 * MB,
        totalBytes: 27 * MB,
        speedBytesPerSecond: 2.1 * MB,
        etaSeconds: 7,
      },
      en,
    );
    expect(line).toBe('▓▓▓▓░░░░ 45% · 12.3/27.0 MB · 2.1 MB/s · ETA 7s');
  });

  it('leaves out what is not known', () => {
    const line = progressLine(
      {
        stage: 'converting',
        percent: 60,
        downloadedBytes: null,
        totalBytes: null,
        speedBytesPerSecond: null,
        etaSeconds: null,
      },
      en,
    );
    expect(line).toBe('▓▓▓▓▓░░░ 60%');
  });
});

describe('status message', () => {
  const options = { uploadLimitBytes: 50 * MB };

  it('asks for a quality under the title and duration', () => {
    const rendered = renderStatus(
      facts({
        state: 'choosing',
        title: 'Tom & <Jerry>',
        durationSeconds: 225,
        uploader: 'Hanna',
        options: [option('720p', 34 * MB), option('audio-mp3', 5 * MB)],
      }),
      en,
      options,
    );
    expect(rendered.text).toBe(
      '<b>Tom &amp; &lt;Jerry&gt;</b>\n⏱ 3:45  👤 Hanna\n\nChoose a quality:',
    );
    expect(rendered.keyboard?.map((row) => row.map((button) => button.text))).toEqual([
      ['720p · 34 MB', 'Audio MP3 · 5 MB'],
      ['✖️ Cancel'],
    ]);
  });

  it('shows the progress bar while downloading, in the user language', () => {
    const rendered = renderStatus(
      facts({
        state: 'downloading',
        title: 'Clip',
        progress: {
          stage: 'downloading',
          percent: 45,
          downloadedBytes: 12.3 * MB,
          totalBytes: 27 * MB,
          speedBytesPerSecond: 2.1 * MB,
          etaSeconds: 7,
        },
      }),
      createTranslator('fr'),
      options,
    );
    expect(rendered.text).toBe(
      '<b>Clip</b>\n\n⬇️ Téléchargement…\n▓▓▓▓░░░░ 45\u00a0% · 12,3/27,0\u00a0Mo · 2,1\u00a0Mo/s · encore 7\u00a0s',
    );
  });

  it('says the file will come as a link when it is over the upload limit', () => {
    const rendered = renderStatus(
      facts({ state: 'uploading', note: 'large-file', largeFileBytes: 120 * MB, title: 'Big' }),
      en,
      options,
    );
    expect(rendered.text).toContain(
      'This file is 120 MB, more than Telegram lets bots upload (50 MB)',
    );
    expect(rendered.keyboard).toBeUndefined();
  });

  it('explains a failure with what to do next and the reference, never the raw detail', () => {
    const rendered = renderStatus(
      facts({ state: 'failed', errorCode: 'private_or_login_required' }),
      createTranslator('es'),
      options,
    );
    expect(rendered.text).toBe(
      '🔒 Es privado o requiere iniciar sesión, así que no puedo conseguirlo. Prueba con un enlace público.\n\n🆔 <code>5ea048d8</code>',
    );
    expect(rendered.keyboard).toBeUndefined();
  });

  it.each([
    [{ state: 'probing' }, '🔎 Looking at your link…'],
    [{ state: 'queued', chosenQuality: '720p' }, '⏳ Queued · 720p'],
    [{ state: 'queued', note: 'joined' }, 'just before you'],
    [{ state: 'queued', note: 'cached' }, 'I already have this one'],
    [{ state: 'queued', note: 'refetching' }, 'It takes a moment'],
    [{ state: 'delivered', deliveredVia: 'upload' }, '✅ Sent! Enjoy.'],
    [{ state: 'delivered', deliveredVia: 'link' }, 'your download link is below'],
    [{ state: 'cancelled' }, '🚫 Cancelled.'],
  ] as [Partial<RequestFacts>, string][])('%o → %s', (overrides, expected) => {
    expect(renderStatus(facts(overrides), en, options).text).toContain(expected);
  });
});
