import { badRequest, tooManyRequests } from '../bot-api/errors.ts';
import type { WebhookInfo } from '../bot-api/types.ts';
import type { FakeBot } from '../server/fake-bot.ts';
import { UPDATE_TYPES } from '../bot-api/types.ts';
import { readAllowedUpdates } from '../updates/update-queue.ts';
import { checkWebhookReachable } from '../updates/webhook-verify.ts';
import { defineMethod, type MethodOutcome } from './method.ts';
import type { Params } from './params.ts';

const SECRET_TOKEN = /^[A-Za-z0-9_-]*$/;

function removeWebhook(bot: FakeBot, params: Params): MethodOutcome {
  const wasSet = bot.webhook.settings !== undefined;
  bot.webhook.stop();
  bot.webhookState.ipAddress = undefined;
  if (params.boolean('drop_pending_updates')) bot.queue.clear();
  return {
    result: true,
    description: wasSet ? 'Webhook was deleted' : 'Webhook is already deleted',
  };
}

/**
 * setWebhook as the Bot API runs it, except that (like a Bot API server in --local mode) plain
 * http and any port are accepted, since the bot under test listens on loopback.
 */
export const setWebhook = defineMethod({
  name: 'setWebhook',
  run: async ({ bot, params }) => {
    const url = params.string('url') ?? '';
    if (url === '') return removeWebhook(bot, params);

    const now = bot.clock.now();
    if (now < bot.webhookState.nextSetAllowedAt) throw tooManyRequests(1);
    bot.webhookState.nextSetAllowedAt = now + bot.timing.setWebhookIntervalMs;

    const secretToken = params.string('secret_token') ?? '';
    if (secretToken.length > 256) throw badRequest('secret token is too long');
    if (!SECRET_TOKEN.test(secretToken))
      throw badRequest('secret token contains unallowed characters');
    const maxConnections = params.integerIn('max_connections', 40, 1, 100);
    const allowed = readAllowedUpdates(params.raw('allowed_updates'));
    const dropPending = params.boolean('drop_pending_updates');

    const current = bot.webhook.settings;
    if (
      current?.url === url &&
      current.maxConnections === maxConnections &&
      (current.secretToken ?? '') === secretToken &&
      !dropPending
    ) {
      if (allowed) bot.queue.setAllowedUpdates(allowed);
      return { result: true, description: 'Webhook is already set' };
    }

    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw badRequest('invalid webhook URL specified');
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw badRequest('bad webhook: Unsupported URL protocol');
    }

    bot.poller.abortWaiting('set-webhook');
    if (current) bot.webhook.stop();
    if (dropPending) bot.queue.clear();
    const reachability = await checkWebhookReachable(parsed, bot.timing.webhookVerifyTimeoutMs);
    if (!reachability.reachable) throw badRequest(`bad webhook: ${reachability.reason}`);

    if (allowed) bot.queue.setAllowedUpdates(allowed);
    bot.webhookState.ipAddress = reachability.ipAddress;
    bot.webhook.start({
      url,
      secretToken: secretToken === '' ? undefined : secretToken,
      maxConnections,
    });
    return { result: true, description: 'Webhook was set' };
  },
});

export const deleteWebhook = defineMethod({
  name: 'deleteWebhook',
  run: ({ bot, params }) => removeWebhook(bot, params),
});

/** What getWebhookInfo answers. */
export function webhookInfoOf(bot: FakeBot): WebhookInfo {
  const settings = bot.webhook.settings;
  const lastError = bot.webhook.lastError;
  return {
    url: settings?.url ?? '',
    has_custom_certificate: false,
    pending_update_count: bot.queue.pendingCount(),
    ...(settings && bot.webhookState.ipAddress ? { ip_address: bot.webhookState.ipAddress } : {}),
    ...(lastError
      ? { last_error_date: lastError.date, last_error_message: lastError.message }
      : {}),
    ...(settings ? { max_connections: settings.maxConnections } : {}),
    ...(bot.queue.isDefaultAllowed
      ? {}
      : { allowed_updates: UPDATE_TYPES.filter((type) => bot.queue.allowedUpdates.has(type)) }),
  };
}

export const getWebhookInfo = defineMethod({
  name: 'getWebhookInfo',
  run: ({ bot }) => ({ result: webhookInfoOf(bot) }),
});
