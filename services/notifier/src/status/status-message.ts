import { createTranslator } from '../i18n/index.ts';
import type { NotifierDeps } from '../notifier-deps.ts';
import {
  fingerprintOf,
  htmlOptions,
  replyMarkupOf,
  type RenderedMessage,
} from '../rendering/rendered-message.ts';
import type { StoredRequest } from '../state/requests.ts';
import {
  isChatUnreachable,
  isMessageGone,
  isNotModified,
  TelegramCallError,
} from '../telegram/telegram-errors.ts';
import { isTerminal } from './request-state.ts';
import { renderStatus } from './status.render.ts';

const statusKey = (requestId: string, generation: number) =>
  generation === 0 ? `status:${requestId}` : `status:${requestId}:${generation}`;

/**
 * Brings a request's status message up to date with its stored facts: sends it the first time
 * (as a reply to the link), edits it afterwards. Call it holding the request's lock.
 * An edit never waits for the chat's sending budget: without budget it is left to the status
 * redraws (`deps.redraws`), which draw the newest facts once the chat has budget again.
 * `progress`: a progress update, edited at most once per interval and dropped without budget
 * (the next progress replaces it).
 */
export async function showStatus(
  deps: NotifierDeps,
  stored: StoredRequest,
  options: { progress?: boolean } = {},
): Promise<void> {
  const { facts } = stored;
  const profile = await deps.users.profile(facts.telegramUserId ?? facts.chatId, facts.language);
  const t = createTranslator(profile.language);
  const rendered = renderStatus(facts, t, { uploadLimitBytes: deps.settings.uploadLimitBytes });
  const fingerprint = fingerprintOf(rendered);
  if (stored.statusMessageId !== null && fingerprint === stored.renderedHash) return;

  const now = deps.now();
  if (
    options.progress &&
    stored.statusMessageId !== null &&
    stored.lastProgressEditAt !== null &&
    now.getTime() - stored.lastProgressEditAt.getTime() < deps.settings.progressEditIntervalMs
  ) {
    return;
  }

  if (stored.statusMessageId !== null) {
    const outcome = await editStatus(deps, stored, rendered, options.progress === true);
    if (outcome === 'edited') {
      await deps.requests.recordStatusMessage(facts.requestId, {
        renderedHash: fingerprint,
        ...(options.progress ? { lastProgressEditAt: now } : {}),
      });
      return;
    }
    if (outcome === 'skipped' || outcome === 'deferred') return;
    // The message is gone (deleted by the user, too old): the next one gets a new key.
    stored = { ...stored, statusMessageId: null, statusGeneration: stored.statusGeneration + 1 };
    await deps.requests.recordStatusMessage(facts.requestId, {
      statusMessageId: null,
      statusGeneration: stored.statusGeneration,
    });
  }

  await sendStatus(deps, stored, rendered, fingerprint);
}

async function editStatus(
  deps: NotifierDeps,
  stored: StoredRequest,
  rendered: RenderedMessage,
  progress: boolean,
): Promise<'edited' | 'skipped' | 'deferred' | 'gone'> {
  const { facts } = stored;
  try {
    await deps.bot.call(
      'editMessageText',
      {
        chat_id: facts.chatId,
        message_id: stored.statusMessageId ?? 0,
        text: rendered.text,
        ...htmlOptions,
        ...replyMarkupOf(rendered),
      },
      // While the file is still to come, an edit never takes the chat's last call: the file goes
      // first, and the edit is deferred (and merged with the next).
      { whenLimited: 'skip', reserve: isTerminal(facts.state) ? 0 : 1, background: true },
    );
    return 'edited';
  } catch (error) {
    if (isNotModified(error)) return 'edited';
    if (isMessageGone(error)) return 'gone';
    if (isChatUnreachable(error)) {
      deps.logger.warn({ requestId: facts.requestId }, 'Chat unreachable; status not shown');
      return 'skipped';
    }
    if (
      error instanceof TelegramCallError &&
      (error.code === 'telegram_throttled' || error.code === 'telegram_rate_limited')
    ) {
      // A progress edit is dropped: the next progress replaces it.
      if (progress) return 'skipped';
      await deps.redraws.schedule(facts.requestId, error.retryAfterMs ?? 1000);
      return 'deferred';
    }
    throw error;
  }
}

async function sendStatus(
  deps: NotifierDeps,
  stored: StoredRequest,
  rendered: RenderedMessage,
  fingerprint: string,
): Promise<void> {
  const { facts } = stored;
  let outcome;
  try {
    outcome = await deps.sent.sendOnce({
      key: statusKey(facts.requestId, stored.statusGeneration),
      chatId: facts.chatId,
      ifOutcomeUnknown: 'assume-sent',
      send: async () => {
        const message = await deps.bot.call('sendMessage', {
          chat_id: facts.chatId,
          text: rendered.text,
          ...htmlOptions,
          ...replyMarkupOf(rendered),
          ...(facts.userMessageId === null
            ? {}
            : {
                reply_parameters: {
                  message_id: facts.userMessageId,
                  allow_sending_without_reply: true,
                },
              }),
        });
        return { messageId: message.message_id };
      },
    });
  } catch (error) {
    if (isChatUnreachable(error)) {
      deps.logger.warn({ requestId: facts.requestId }, 'Chat unreachable; status not sent');
      return;
    }
    throw error;
  }
  if (outcome.kind === 'unknown') {
    // An earlier attempt may or may not have sent it; the next change gets a fresh message.
    await deps.requests.recordStatusMessage(facts.requestId, {
      statusGeneration: stored.statusGeneration + 1,
    });
    return;
  }
  await deps.requests.recordStatusMessage(facts.requestId, {
    statusMessageId: outcome.messageId,
    renderedHash: outcome.sentNow ? fingerprint : null,
  });
  if (!outcome.sentNow) {
    // Sent by an earlier handling that did not get to record it: it may show an older state.
    await showStatus(deps, { ...stored, statusMessageId: outcome.messageId, renderedHash: null });
  }
}
