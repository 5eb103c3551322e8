import { encodeCallback, type QualityOption } from '@mediabot/contracts';
import type { Translator } from '../i18n/index.ts';
import { truncate, type Keyboard, type RenderedMessage } from '../rendering/rendered-message.ts';
import { shortReference, type Progress, type RequestFacts } from './request-state.ts';

export interface StatusRenderOptions {
  uploadLimitBytes: number;
  /** Adds the request's reference (for /status and failures). */
  reference?: string | undefined;
}

const BAR_CELLS = 8;

/** "▓▓▓▓░░░░" for 45%. */
export function progressBar(percent: number, cells = BAR_CELLS): string {
  const filled = Math.min(cells, Math.max(0, Math.round((percent / 100) * cells)));
  return '▓'.repeat(filled) + '░'.repeat(cells - filled);
}

/** "▓▓▓▓░░░░ 45% · 12.3/27.0 MB · 2.1 MB/s · ETA 7s", with whatever parts are known. */
export function progressLine(progress: Progress, t: Translator): string | undefined {
  const parts: string[] = [];
  if (progress.percent !== null)
    parts.push(`${progressBar(progress.percent)} ${t.percent(Math.floor(progress.percent))}`);
  if (progress.downloadedBytes !== null && progress.totalBytes !== null && progress.totalBytes > 0)
    parts.push(t.byteProgress(progress.downloadedBytes, progress.totalBytes));
  else if (progress.downloadedBytes !== null && progress.downloadedBytes > 0)
    parts.push(t.bytes(progress.downloadedBytes, 'precise'));
  if (progress.speedBytesPerSecond !== null && progress.speedBytesPerSecond > 0)
    parts.push(t.speed(progress.speedBytesPerSecond));
  if (progress.etaSeconds !== null && progress.percent !== 100)
    parts.push(t.t('status.eta', { eta: { html: t.eta(progress.etaSeconds) } }));
  return parts.length > 0 ? parts.join(' · ') : undefined;
}

/**
 * "720p · 34 MB", or just "720p" when the size is unknown. A video whose height the site does not
 * tell (a direct file link) is offered once, as "Best video", rather than under a height it may
 * not have.
 */
export function optionLabel(option: QualityOption, t: Translator): string {
  const quality =
    option.kind === 'video' && option.height === null
      ? t.plain('quality.best-video')
      : t.quality(option.quality);
  return option.estimatedBytes === null || option.estimatedBytes === 0
    ? quality
    : t.plain('button.option', { quality, size: t.bytes(option.estimatedBytes) });
}

const cancelButton = (requestId: string, t: Translator) => ({
  text: t.plain('button.cancel'),
  callback_data: encodeCallback({ kind: 'cancel', requestId }),
});

/** One button per option that exists, two per row, then Cancel. */
export function qualityKeyboard(
  requestId: string,
  options: readonly QualityOption[],
  t: Translator,
): Keyboard {
  const buttons = options.map((option) => ({
    text: optionLabel(option, t),
    callback_data: encodeCallback({ kind: 'choose-quality', requestId, quality: option.quality }),
  }));
  const rows: Keyboard = [];
  for (let index = 0; index < buttons.length; index += 2)
    rows.push(buttons.slice(index, index + 2));
  rows.push([cancelButton(requestId, t)]);
  return rows;
}

function header(facts: RequestFacts, t: Translator): string[] {
  if (facts.title === null) return [];
  const lines = [`<b>${escapeTitle(facts.title)}</b>`];
  const details: string[] = [];
  if (facts.durationSeconds !== null && facts.durationSeconds > 0)
    details.push(t.t('status.duration', { duration: t.duration(facts.durationSeconds) }));
  if (facts.uploader)
    details.push(t.t('status.uploader', { uploader: truncate(facts.uploader, 80) }));
  if (details.length > 0) lines.push(details.join('  '));
  return lines;
}

function escapeTitle(title: string): string {
  return truncate(title, 300).replace(/[&<>]/g, (character) =>
    character === '&' ? '&amp;' : character === '<' ? '&lt;' : '&gt;',
  );
}

function body(facts: RequestFacts, t: Translator, options: StatusRenderOptions): string[] {
  const quality = facts.chosenQuality === null ? '…' : t.quality(facts.chosenQuality);
  switch (facts.state) {
    case 'probing':
      return [t.t('status.looking')];
    case 'choosing':
      return facts.chosenQuality === null
        ? [t.t('status.choose')]
        : [t.t('status.preparing', { quality })];
    case 'queued':
      if (facts.note === 'cached') return [t.t('status.cached')];
      if (facts.note === 'refetching') return [t.t('status.refetching')];
      if (facts.note === 'joined') return [t.t('status.joined')];
      return [t.t('status.queued', { quality })];
    case 'downloading':
    case 'converting':
    case 'uploading': {
      if (facts.note === 'large-file' && facts.largeFileBytes !== null) {
        return [
          t.t('status.large-file', {
            size: t.bytes(facts.largeFileBytes),
            limit: t.bytes(options.uploadLimitBytes),
          }),
        ];
      }
      const stage = t.t(`status.${facts.state}`);
      const line =
        facts.progress && facts.progress.stage === facts.state
          ? progressLine(facts.progress, t)
          : undefined;
      return line ? [stage, line] : [stage];
    }
    case 'delivered':
      return [t.t(facts.deliveredVia === 'link' ? 'status.delivered-link' : 'status.delivered')];
    case 'failed':
      return [t.t(`status.failed.${facts.errorCode ?? 'internal'}`)];
    case 'cancelled':
      return [t.t('status.cancelled')];
  }
}

function keyboard(facts: RequestFacts, t: Translator): Keyboard | undefined {
  switch (facts.state) {
    case 'choosing':
      return facts.chosenQuality === null && facts.options && facts.options.length > 0
        ? qualityKeyboard(facts.requestId, facts.options, t)
        : [[cancelButton(facts.requestId, t)]];
    case 'queued':
    case 'downloading':
    case 'converting':
      return [[cancelButton(facts.requestId, t)]];
    case 'probing':
    case 'uploading':
    case 'delivered':
    case 'failed':
    case 'cancelled':
      return undefined;
  }
}

/** The status message of a request: title, what is happening now, and the buttons that apply. */
export function renderStatus(
  facts: RequestFacts,
  t: Translator,
  options: StatusRenderOptions,
): RenderedMessage {
  const headerLines = header(facts, t);
  const lines = [
    ...headerLines,
    ...(headerLines.length > 0 ? [''] : []),
    ...body(facts, t, options),
  ];
  if (options.reference !== undefined || facts.state === 'failed')
    lines.push(
      '',
      t.t('status.reference', { id: options.reference ?? shortReference(facts.requestId) }),
    );
  return { text: lines.join('\n'), keyboard: keyboard(facts, t) };
}
