import { z } from 'zod';
import { baseConfigSchema } from '@mediabot/service-kit';

/** What a service that appends and consumes events reads, on top of the base config. */
export const eventServiceConfigSchema = baseConfigSchema.extend({
  /** Names every exchange and queue: `<prefix>.events`, `<prefix>.<service>`, … */
  RABBITMQ_PREFIX: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]*$/, { message: 'must be lowercase letters, digits, - or _' })
    .default('mediabot'),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(10),
});
export type EventServiceConfig = z.output<typeof eventServiceConfigSchema>;
