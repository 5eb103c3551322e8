import type { TelegramEntity } from '../updates/telegram-update.ts';

/**
 * Links a user sent: Telegram's own `url` / `text_link` entities first (they cover forwarded
 * messages and captions), then anything in the text that looks like a link. Order kept, duplicates
 * dropped. Text counts in UTF-16 code units, as Telegram's entity offsets do.
 */
export function extractLinks(
  text: string | undefined,
  entities: readonly TelegramEntity[] = [],
): string[] {
  const links: string[] = [];
  for (const entity of entities) {
    if (entity.type === 'text_link' && entity.url) links.push(entity.url);
    if (entity.type === 'url' && text)
      links.push(text.slice(entity.offset, entity.offset + entity.length));
  }
  for (const match of (text ?? '').matchAll(/\b[a-z][a-z0-9+.-]*:\/\/[^\s<>"']+/gi)) {
    links.push(match[0].replace(/[).,;!?]+$/, ''));
  }
  return [
    ...new Set(
      links.map((link) => (/^[a-z][a-z0-9+.-]*:\/\//i.test(link) ? link : `https://${link}`)),
    ),
  ];
}

/** `/status@MyBot 12` → { name: 'status', args: '12' }; undefined when the text is not a command. */
export function parseCommand(text: string | undefined): { name: string; args: string } | undefined {
  const match = /^\/([a-z0-9_]{1,32})(?:@\w+)?(?:\s+([\s\S]*))?$/i.exec((text ?? '').trim());
  if (!match) return undefined;
  return { name: (match[1] ?? '').toLowerCase(), args: (match[2] ?? '').trim().slice(0, 512) };
}
