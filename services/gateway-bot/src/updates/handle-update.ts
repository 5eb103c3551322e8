import type { ChoosableQuality, Envelope, InputRejectionReason } from '@mediabot/contracts';
import { EventStoreError } from '@mediabot/eventstore';
import { EgressError, validateUrlText, type ValidateUrlOptions } from '@mediabot/egress-guard';
import type { RateLimiter } from '../rate-limit/rate-limiter.ts';
import { costsWork, decideUpdate, type LinkVerdict } from './decide-update.ts';
import { telegramUpdateSchema } from './telegram-update.ts';

export interface UpdateHandlerDependencies {
  append(streamId: string, events: readonly Envelope[]): Promise<void>;
  preferredQuality(telegramUserId: number): Promise<ChoosableQuality | null>;
  rateLimiter: RateLimiter;
  answerCallbackQuery(id: string): Promise<void>;
  maxLinksPerMessage: number;
  /** Loopback allow-list and extra ports, for tests and local runs only. */
  linkPolicy: ValidateUrlOptions;
  logger: { warn(fields: object, message: string): void };
}

export function checkLink(raw: string, policy: ValidateUrlOptions = {}): LinkVerdict {
  try {
    return { ok: true, url: validateUrlText(raw, policy).href };
  } catch (error) {
    if (error instanceof EgressError) {
      const reasons: Partial<Record<EgressError['code'], InputRejectionReason>> = {
        scheme_not_allowed: 'scheme_not_allowed',
        url_too_long: 'url_too_long',
        blocked_address: 'blocked_address',
      };
      return { ok: false, reason: reasons[error.code] ?? 'invalid_url' };
    }
    return { ok: false, reason: 'invalid_url' };
  }
}

/**
 * Handles one raw update: parse, rate-limit, decide, append. Throws (so Telegram or the polling
 * loop retries the update) only when nothing could be recorded; a repeated update appends
 * nothing new because its event ids derive from update_id.
 */
export function createUpdateHandler(dependencies: UpdateHandlerDependencies) {
  return async function handleUpdate(raw: unknown): Promise<void> {
    const parsed = telegramUpdateSchema.safeParse(raw);
    if (!parsed.success) {
      dependencies.logger.warn(
        { issues: parsed.error.issues.slice(0, 5) },
        'Ignoring an update we cannot read',
      );
      return;
    }
    const update = parsed.data;
    const from = update.message?.from;
    const rateLimit =
      from && costsWork(update)
        ? await dependencies.rateLimiter.take(from.id)
        : { limited: false as const };
    if (rateLimit.limited && !rateLimit.firstRefusal) return;
    const decision = decideUpdate(update, {
      preferredQuality: from ? await dependencies.preferredQuality(from.id) : null,
      maxLinksPerMessage: dependencies.maxLinksPerMessage,
      checkLink: (raw) => checkLink(raw, dependencies.linkPolicy),
      rateLimit,
      receivedAt: new Date(),
    });
    if (decision.events.length > 0) {
      try {
        await dependencies.append(`update-${update.update_id}`, decision.events);
      } catch (error) {
        // The same update seen before with other events (say, a rate-limit verdict that differs
        // on the second try): what was recorded the first time stands.
        if (!(error instanceof EventStoreError && error.code === 'wrong_expected_version'))
          throw error;
      }
    }
    if (decision.answerCallbackQuery) {
      await dependencies
        .answerCallbackQuery(decision.answerCallbackQuery.id)
        .catch((error: unknown) => {
          dependencies.logger.warn(
            { err: error },
            'Could not answer a callback query (it may have expired)',
          );
        });
    }
  };
}
