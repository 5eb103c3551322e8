import type { z } from 'zod';
import { eventServiceConfigSchema } from '@mediabot/event-service';

export const configSchema = eventServiceConfigSchema;
export type IdentityConfig = z.output<typeof configSchema>;
