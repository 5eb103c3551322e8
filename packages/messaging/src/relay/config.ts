import { z } from 'zod';

const positiveInt = z.coerce.number().int().positive();

export const relayConfigSchema = z.object({
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }),
  RABBITMQ_URL: z.url({ protocol: /^amqps?$/ }),
  RABBITMQ_PREFIX: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]*$/)
    .default('mediabot'),
  RELAY_CHECKPOINT_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]*$/)
    .default('relay'),
  RELAY_CONFIRM_WINDOW: positiveInt.default(1000),
  RELAY_BATCH_SIZE: positiveInt.default(500),
  RELAY_POLL_INTERVAL_MS: positiveInt.default(1000),
  /** How often to sample the log's head and the oldest open transaction (metrics, warnings). */
  RELAY_SAMPLE_INTERVAL_MS: positiveInt.default(5000),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  /** Serves /healthz, /readyz and /metrics when set. */
  HTTP_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  /** Fault injection for crash tests: the relay SIGKILLs itself at this point, once. */
  RELAY_FAULT: z.enum(['kill-after-publish', 'kill-before-checkpoint']).optional(),
});

export type RelayConfig = z.infer<typeof relayConfigSchema>;

/** Parses the environment once; on failure the message lists every bad variable (never their values). */
export function loadRelayConfig(env: NodeJS.ProcessEnv): RelayConfig {
  const parsed = relayConfigSchema.safeParse(env);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map(
    (issue) => `  ${issue.path.join('.')}: ${issue.message}`,
  );
  throw new Error(`Invalid relay configuration:\n${problems.join('\n')}`);
}
