import { escapeHtml, type Translator } from '../i18n/index.ts';
import { truncate, type RenderedMessage } from '../rendering/rendered-message.ts';

/** The caption of a delivered file: its title (Telegram allows 1024 characters). */
export const captionOf = (title: string): string => `<b>${escapeHtml(truncate(title, 900))}</b>`;

/** For a file over the upload limit: the signed link and when it stops working. */
export function renderLinkMessage(
  t: Translator,
  link: { title: string; url: string; sizeBytes: number; expiresAt: Date; now: Date },
): RenderedMessage {
  return {
    text: t.t('link.ready', {
      title: truncate(link.title, 300),
      size: t.bytes(link.sizeBytes),
      url: link.url,
      expires: t.relativeTime(link.now, link.expiresAt),
    }),
  };
}
