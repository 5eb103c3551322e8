import {
  InputRejected,
  SettingsChosen,
  UserRegistered,
  UserSettingsChanged,
  type Envelope,
} from '@mediabot/contracts';
import { renderRejection, renderSettings } from '../commands/commands.render.ts';
import { createTranslator } from '../i18n/index.ts';
import type { NotifierDeps } from '../notifier-deps.ts';
import { htmlOptions, replyMarkupOf } from '../rendering/rendered-message.ts';
import { sendReply } from '../rendering/send-reply.ts';
import { isChatUnreachable, isMessageGone, isNotModified } from '../telegram/telegram-errors.ts';

export const conversationEventTypes = [
  InputRejected.type,
  SettingsChosen.type,
  UserRegistered.type,
  UserSettingsChanged.type,
] as const;

/** Hints for rejected input, the /settings message after a choice, and what identity tells us. */
export async function handleConversationEvent(
  deps: NotifierDeps,
  message: Envelope,
): Promise<void> {
  if (InputRejected.is(message)) {
    const { data } = message;
    await deps.users.noteSeen(data.user, data.chatId);
    const profile = await deps.users.profile(data.user.telegramUserId, data.user.languageCode);
    await sendReply(deps, {
      key: `reply:${message.eventId}`,
      chatId: data.chatId,
      replyToMessageId: data.messageId,
      message: renderRejection(
        createTranslator(profile.language),
        data.reason,
        data.retryAfterSeconds,
      ),
    });
  } else if (SettingsChosen.is(message)) {
    const { data } = message;
    await deps.users.noteSeen(data.user, data.chatId);
    await deps.users.settingsChanged(data.user.telegramUserId, {
      languageCode: data.languageCode,
      defaultQuality: data.defaultQuality,
    });
    const profile = await deps.users.profile(data.user.telegramUserId, data.user.languageCode);
    // Drawn in the new language when the language is what changed.
    const rendered = renderSettings(
      createTranslator(profile.language),
      profile,
      data.languageCode !== undefined ? 'language' : 'quality',
    );
    try {
      await deps.bot.call('editMessageText', {
        chat_id: data.chatId,
        message_id: data.messageId,
        text: rendered.text,
        ...htmlOptions,
        ...replyMarkupOf(rendered),
      });
    } catch (error) {
      if (isNotModified(error)) return;
      if (isChatUnreachable(error)) return;
      if (!isMessageGone(error)) throw error;
      await sendReply(deps, {
        key: `reply:${message.eventId}`,
        chatId: data.chatId,
        message: rendered,
      });
    }
  } else if (UserRegistered.is(message)) {
    const { data } = message;
    await deps.users.registered(
      data.telegramUserId,
      data.languageCode,
      new Date(message.occurredAt),
    );
  } else if (UserSettingsChanged.is(message)) {
    const { data } = message;
    await deps.users.settingsChanged(data.telegramUserId, {
      languageCode: data.languageCode,
      defaultQuality: data.defaultQuality,
    });
  }
}
