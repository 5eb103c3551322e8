import { z } from 'zod';
import { eventServiceConfigSchema } from '@mediabot/event-service';
import { booleanVar, durationVar, intVar, portVar, urlVar } from '@mediabot/service-kit';

/** A comma-separated list; empty means none. */
const listVar = () =>
  z.string().transform((value) =>
    value
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean),
  );

export const configSchema = eventServiceConfigSchema
  .extend({
    TELEGRAM_BOT_TOKEN: z.string().regex(/^\d+:[A-Za-z0-9_-]{20,}$/, {
      message: 'must look like 123456:ABC-… (from @BotFather)',
    }),
    /** A self-hosted telegram-bot-api server, or the local fake, instead of api.telegram.org. */
    TELEGRAM_API_ROOT: urlVar({ protocols: ['http', 'https'] }).default('https://api.telegram.org'),
    GATEWAY_MODE: z.enum(['polling', 'webhook']).default('polling'),
    /** Public HTTPS URL Telegram posts updates to (webhook mode). */
    WEBHOOK_PUBLIC_URL: urlVar({ protocols: ['http', 'https'] }).optional(),
    /** Sent by Telegram in X-Telegram-Bot-Api-Secret-Token; 1-256 of A-Z a-z 0-9 _ -. */
    WEBHOOK_SECRET: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,256}$/)
      .optional(),
    WEBHOOK_PORT: portVar().default(8443),
    WEBHOOK_HOST: z.string().default('0.0.0.0'),
    /** Register the webhook with Telegram at start-up (off when a proxy or the chart does it). */
    WEBHOOK_REGISTER: booleanVar().default(true),
    POLLING_TIMEOUT_SECONDS: intVar({ min: 0, max: 50 }).default(30),
    RATE_LIMIT_USER_PER_MINUTE: intVar({ min: 1, max: 10_000 }).default(20),
    RATE_LIMIT_GLOBAL_PER_MINUTE: intVar({ min: 1, max: 1_000_000 }).default(1000),
    MAX_LINKS_PER_MESSAGE: intVar({ min: 1, max: 20 }).default(5),
    /** Prefix of the gateway's Redis keys (rate-limit counters); two bots sharing a Redis need two. */
    GATEWAY_REDIS_PREFIX: z.string().min(1).default('mediabot:gateway'),
    UPDATE_RETRY_MAX_DELAY_MS: durationVar({ min: 100 }).default(30_000),
    /** CIDRs whose links are accepted although private (tests and local runs only, e.g. 127.0.0.1/32). */
    EGRESS_ALLOW_CIDRS: listVar().default([]),
    /** Link ports accepted besides 80 and 443 (tests and local runs only). */
    EGRESS_ALLOW_PORTS: listVar()
      .transform((ports) => ports.map(Number))
      .refine(
        (ports) => ports.every((port) => Number.isInteger(port) && port >= 1 && port <= 65535),
        {
          message: 'must be a comma-separated list of ports',
        },
      )
      .default([]),
  })
  .superRefine((config, context) => {
    if (config.GATEWAY_MODE === 'webhook') {
      if (!config.WEBHOOK_SECRET) {
        context.addIssue({
          code: 'custom',
          path: ['WEBHOOK_SECRET'],
          message: 'is required in webhook mode',
        });
      }
      if (config.WEBHOOK_REGISTER && !config.WEBHOOK_PUBLIC_URL) {
        context.addIssue({
          code: 'custom',
          path: ['WEBHOOK_PUBLIC_URL'],
          message: 'is required to register the webhook',
        });
      }
    }
  });
export type GatewayConfig = z.output<typeof configSchema>;
