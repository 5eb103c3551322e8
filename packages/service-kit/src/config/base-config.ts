import { z } from 'zod';
import { durationVar, intVar, portVar, urlVar } from './env-vars.ts';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** What every service reads; a service extends it: `baseConfigSchema.extend({ ... })`. */
export const baseConfigSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  /** Services pass their name in code; this only overrides it (e.g. two instances side by side). */
  SERVICE_NAME: z
    .string()
    .regex(/^[a-z][a-z0-9-]*$/, { message: 'must be lowercase letters, digits and dashes' })
    .optional(),
  HTTP_PORT: portVar().default(8080),
  DATABASE_URL: urlVar({ protocols: ['postgres', 'postgresql'] }),
  RABBITMQ_URL: urlVar({ protocols: ['amqp', 'amqps'] }),
  REDIS_URL: urlVar({ protocols: ['redis', 'rediss'] }),
  RABBITMQ_PREFETCH: intVar({ min: 1, max: 1_000 }).default(16),
  CONSUMER_TIMEOUT_MS: durationVar({ min: 1 }).default(30_000),
  OTEL_EXPORTER_OTLP_ENDPOINT: urlVar({ protocols: ['http', 'https'] }).optional(),
  SENTRY_DSN: urlVar({ protocols: ['http', 'https'] }).optional(),
  SHUTDOWN_TIMEOUT_MS: durationVar({ min: 1 }).default(10_000),
});

export type BaseConfig = z.output<typeof baseConfigSchema>;
