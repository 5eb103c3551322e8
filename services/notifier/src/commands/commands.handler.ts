import type { z } from 'zod';
import { CommandReceived, type Envelope } from '@mediabot/contracts';
import { createTranslator, type Translator } from '../i18n/index.ts';
import type { NotifierDeps } from '../notifier-deps.ts';
import type { RenderedMessage } from '../rendering/rendered-message.ts';
import { sendReply } from '../rendering/send-reply.ts';
import type { UserProfile } from '../state/users.ts';
import { isTerminal, shortReference } from '../status/request-state.ts';
import { renderStatus } from '../status/status.render.ts';
import {
  renderCancelPrompt,
  renderHelp,
  renderSettings,
  renderStats,
  renderWelcome,
} from './commands.render.ts';

type Command = z.output<typeof CommandReceived.schema>;

async function answerFor(
  deps: NotifierDeps,
  command: Command,
  profile: UserProfile,
  t: Translator,
): Promise<RenderedMessage> {
  const { chatId, args } = command;
  const reference = args.trim().split(/\s+/)[0] ?? '';
  switch (command.command) {
    case 'start':
      return renderWelcome(t, { firstName: command.user.firstName, profile });
    case 'help':
      return renderHelp(t, deps.settings.uploadLimitBytes);
    case 'settings':
      return renderSettings(t, profile);
    case 'status': {
      const request = reference
        ? await deps.requests.findInChat(chatId, reference)
        : await deps.requests.latestInChat(chatId);
      if (!request) {
        return {
          text: reference
            ? t.t('status-command.not-found', { id: reference.slice(0, 40) })
            : t.t('status-command.none'),
        };
      }
      return renderStatus(request.facts, t, {
        uploadLimitBytes: deps.settings.uploadLimitBytes,
        reference: shortReference(request.facts.requestId),
      });
    }
    case 'stats': {
      const counts = await deps.requests.countsForUser(command.user.telegramUserId);
      return renderStats(t, {
        delivered: profile.deliveredCount,
        ...counts,
        since: profile.registeredAt,
      });
    }
    case 'cancel': {
      const named = reference ? await deps.requests.findInChat(chatId, reference) : undefined;
      const active = named
        ? isTerminal(named.facts.state)
          ? []
          : [named]
        : await deps.requests.activeInChat(chatId);
      return renderCancelPrompt(
        t,
        active.map((request) => request.facts),
      );
    }
  }
}

/** /start, /help, /settings, /status, /stats, /cancel: one answer each, in the user's language. */
export async function handleCommand(deps: NotifierDeps, message: Envelope): Promise<void> {
  if (!CommandReceived.is(message)) return;
  const command = message.data;
  await deps.users.noteSeen(command.user, command.chatId);
  const profile = await deps.users.profile(command.user.telegramUserId, command.user.languageCode);
  const t = createTranslator(profile.language);
  const answer = await answerFor(deps, command, profile, t);
  await sendReply(deps, {
    key: `reply:${message.eventId}`,
    chatId: command.chatId,
    message: answer,
  });
}
