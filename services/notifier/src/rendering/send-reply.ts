import type { NotifierDeps } from '../notifier-deps.ts';
import { isChatUnreachable } from '../telegram/telegram-errors.ts';
import { htmlOptions, replyMarkupOf, type RenderedMessage } from './rendered-message.ts';

/**
 * Sends a message once per key (a redelivered event sends nothing again). A chat that blocked
 * the bot is not an error: there is nobody to tell.
 */
export async function sendReply(
  deps: Pick<NotifierDeps, 'bot' | 'sent' | 'logger'>,
  reply: {
    key: string;
    chatId: number;
    message: RenderedMessage;
    replyToMessageId?: number | null;
  },
): Promise<number | undefined> {
  try {
    const outcome = await deps.sent.sendOnce({
      key: reply.key,
      chatId: reply.chatId,
      ifOutcomeUnknown: 'assume-sent',
      send: async () => {
        const sent = await deps.bot.call('sendMessage', {
          chat_id: reply.chatId,
          text: reply.message.text,
          ...htmlOptions,
          ...replyMarkupOf(reply.message),
          ...(reply.replyToMessageId
            ? {
                reply_parameters: {
                  message_id: reply.replyToMessageId,
                  allow_sending_without_reply: true,
                },
              }
            : {}),
        });
        return { messageId: sent.message_id };
      },
    });
    return outcome.kind === 'sent' ? outcome.messageId : undefined;
  } catch (error) {
    if (isChatUnreachable(error)) {
      deps.logger.warn({ chatId: reply.chatId, key: reply.key }, 'Chat unreachable; reply dropped');
      return undefined;
    }
    throw error;
  }
}
