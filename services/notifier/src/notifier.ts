import { CommandReceived, type Envelope } from '@mediabot/contracts';
import { handleCommand } from './commands/commands.handler.ts';
import {
  conversationEventTypes,
  handleConversationEvent,
} from './conversation/conversation.handler.ts';
import {
  deliverIfAlreadyReady,
  deliveryEventTypes,
  handleDeliveryEvent,
} from './delivery/delivery.handler.ts';
import type { NotifierDeps } from './notifier-deps.ts';
import { handleRequestEvent, requestEventTypes } from './status/request-events.handler.ts';

/** Everything that is quick: replies, hints, settings, status messages and their edits. */
export const mainEventTypes: readonly string[] = [
  CommandReceived.type,
  ...conversationEventTypes,
  ...requestEventTypes,
];
/** Sending files (uploads take seconds to minutes): a queue of their own so replies never wait. */
export { deliveryEventTypes };

export interface Notifier {
  handle(message: Envelope, signal?: AbortSignal): Promise<void>;
}

export function createNotifier(deps: NotifierDeps): Notifier {
  const conversation = new Set<string>(conversationEventTypes);
  const requests = new Set<string>(requestEventTypes);
  const deliveries = new Set<string>(deliveryEventTypes);
  return {
    async handle(message, signal) {
      if (message.type === CommandReceived.type) await handleCommand(deps, message);
      else if (conversation.has(message.type)) await handleConversationEvent(deps, message);
      else if (requests.has(message.type))
        await handleRequestEvent(deps, message, (cacheKey) =>
          deliverIfAlreadyReady(deps, cacheKey, message),
        );
      else if (deliveries.has(message.type)) await handleDeliveryEvent(deps, message, signal);
    },
  };
}
