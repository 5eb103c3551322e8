import {
  CancelRequested,
  CommandReceived,
  DownloadRequested,
  InputRejected,
  QualityChosen,
  SettingsChosen,
  commandNameSchema,
  decodeCallback,
  deterministicUuidv7,
  toSupportedLanguage,
  type ChoosableQuality,
  type Envelope,
  type InputRejectionReason,
  type TelegramUser,
} from '@mediabot/contracts';
import { extractLinks, parseCommand } from '../links/extract-links.ts';
import type { TelegramUpdate } from './telegram-update.ts';

export type LinkVerdict = { ok: true; url: string } | { ok: false; reason: InputRejectionReason };

export interface DecideUpdateContext {
  /** The user's default quality from /settings, when they chose one. */
  preferredQuality: ChoosableQuality | null;
  maxLinksPerMessage: number;
  checkLink(raw: string): LinkVerdict;
  /** Whether this user may send another request now (checked only for messages that need work). */
  rateLimit: { limited: false } | { limited: true; retryAfterSeconds: number };
  /**
   * When the gateway received the update. A button press carries no date of its own (its
   * message's date is when the keyboard was sent), so its events are dated with this.
   */
  receivedAt: Date;
}

export interface UpdateDecision {
  /** Appended together to the update's own stream; ids derive from update_id, so a repeat is a no-op. */
  events: Envelope[];
  /** A callback query must be answered, even when it leads to nothing. */
  answerCallbackQuery?: { id: string };
}

const ignore: UpdateDecision = { events: [] };

export function userOf(from: {
  id: number;
  username?: string | undefined;
  first_name?: string | undefined;
  language_code?: string | undefined;
}): TelegramUser {
  return {
    telegramUserId: from.id,
    username: from.username?.slice(0, 64) ?? null,
    firstName: from.first_name?.slice(0, 256) ?? null,
    languageCode: toSupportedLanguage(from.language_code),
  };
}

/** Does this update ask for work (and so count against rate limits)? Decided before the limiter runs. */
export function costsWork(update: TelegramUpdate): boolean {
  const message = update.message;
  if (!message?.from || message.from.is_bot) return false;
  return parseCommand(message.text) === undefined;
}

/**
 * Turns one Telegram update into the events it causes. Pure: the same update makes the same
 * event ids (a button press's events are dated with `receivedAt`; a repeat appends nothing).
 */
export function decideUpdate(update: TelegramUpdate, context: DecideUpdateContext): UpdateDecision {
  const updateId = update.update_id;
  let sequence = 0;
  const at = (seconds: number) => seconds * 1000;
  const idFor = (kind: string, timestampMs: number) =>
    deterministicUuidv7(`${kind}:${updateId}:${sequence++}`, timestampMs);

  const callback = update.callback_query;
  if (callback) {
    const answer = { answerCallbackQuery: { id: callback.id } };
    const action = callback.data ? decodeCallback(callback.data) : undefined;
    const chatMessage = callback.message;
    if (!action || !chatMessage) return { events: [], ...answer };
    // The id stays a function of the update (a repeat must make the same ids); the date is the
    // press's, not the keyboard's.
    const idTimestamp = at(chatMessage.date);
    const options = (streamId: string) => ({
      streamId,
      actor: { kind: 'user' as const, id: String(callback.from.id) },
      eventId: idFor('event', idTimestamp),
      occurredAt: context.receivedAt,
    });
    const stream = `update-${updateId}`;
    switch (action.kind) {
      case 'choose-quality':
        return {
          events: [
            QualityChosen.create(
              {
                requestId: action.requestId,
                chatId: chatMessage.chat.id,
                quality: action.quality,
                callbackQueryId: callback.id,
              },
              options(stream),
            ),
          ],
          ...answer,
        };
      case 'cancel':
        return {
          events: [
            CancelRequested.create(
              {
                requestId: action.requestId,
                chatId: chatMessage.chat.id,
                callbackQueryId: callback.id,
              },
              options(stream),
            ),
          ],
          ...answer,
        };
      case 'set-language':
      case 'set-default-quality':
        return {
          events: [
            SettingsChosen.create(
              {
                updateId,
                chatId: chatMessage.chat.id,
                messageId: chatMessage.message_id,
                callbackQueryId: callback.id,
                user: userOf(callback.from),
                ...(action.kind === 'set-language'
                  ? { languageCode: action.languageCode }
                  : { defaultQuality: action.quality }),
              },
              options(stream),
            ),
          ],
          ...answer,
        };
    }
  }

  const message = update.message;
  if (!message?.from || message.from.is_bot) return ignore;
  const text = message.text ?? message.caption;
  const user = userOf(message.from);
  const timestamp = at(message.date);
  const stream = `update-${updateId}`;
  const options = () => ({
    streamId: stream,
    actor: { kind: 'user' as const, id: String(user.telegramUserId) },
    eventId: idFor('event', timestamp),
    occurredAt: new Date(timestamp),
  });
  const base = { updateId, chatId: message.chat.id, messageId: message.message_id, user };
  const reject = (reason: InputRejectionReason, retryAfterSeconds?: number): UpdateDecision => ({
    events: [
      InputRejected.create(
        { ...base, reason, ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }) },
        options(),
      ),
    ],
  });

  const command = parseCommand(message.text);
  if (command) {
    const name = commandNameSchema.safeParse(command.name);
    if (!name.success) return reject('unknown_command');
    return {
      events: [
        CommandReceived.create({ ...base, command: name.data, args: command.args }, options()),
      ],
    };
  }

  if (context.rateLimit.limited) return reject('rate_limited', context.rateLimit.retryAfterSeconds);

  const links = extractLinks(text, message.entities ?? message.caption_entities ?? []);
  if (links.length === 0) return reject('no_link');
  const verdicts = links.map((link) => context.checkLink(link));
  const accepted = verdicts.filter((verdict): verdict is { ok: true; url: string } => verdict.ok);
  const firstRefusal = verdicts.find((verdict) => !verdict.ok);
  if (accepted.length === 0)
    return reject(firstRefusal && !firstRefusal.ok ? firstRefusal.reason : 'invalid_url');

  const events: Envelope[] = accepted.slice(0, context.maxLinksPerMessage).map((link) =>
    DownloadRequested.create(
      {
        ...base,
        requestId: idFor('request', timestamp),
        url: link.url,
        preferredQuality: context.preferredQuality,
      },
      options(),
    ),
  );
  if (accepted.length > context.maxLinksPerMessage) {
    events.push(InputRejected.create({ ...base, reason: 'too_many_links' }, options()));
  } else if (firstRefusal && !firstRefusal.ok) {
    events.push(InputRejected.create({ ...base, reason: firstRefusal.reason }, options()));
  }
  return { events };
}
