import { z } from 'zod';
import { uuidv7 } from './uuidv7.ts';

export const actorSchema = z.object({
  kind: z.enum(['user', 'admin', 'service', 'system']),
  id: z.string().min(1).max(200),
});
export type Actor = z.infer<typeof actorSchema>;

/** W3C trace context, carried from the event store to RabbitMQ headers and back. */
export const traceContextSchema = z.object({
  traceparent: z
    .string()
    .regex(/^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/)
    .optional(),
  tracestate: z.string().max(512).optional(),
});
export type TraceContext = z.infer<typeof traceContextSchema>;

export const metadataSchema = z.object({
  correlationId: z.uuid(),
  causationId: z.uuid().nullable(),
  actor: actorSchema,
  traceContext: traceContextSchema.default({}),
});
export type EventMetadata = z.infer<typeof metadataSchema>;

/** Envelope of every message that crosses a boundary: the store, RabbitMQ, the CLI's NDJSON. */
export const envelopeSchema = z.object({
  eventId: z.uuid(),
  type: z.string().regex(/^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)+$/),
  version: z.number().int().positive(),
  streamId: z.string().min(1).max(300),
  occurredAt: z.iso.datetime({ offset: true }),
  ...metadataSchema.shape,
  data: z.unknown(),
});

export interface Envelope<TType extends string = string, TData = unknown> {
  eventId: string;
  type: TType;
  version: number;
  streamId: string;
  occurredAt: string;
  correlationId: string;
  causationId: string | null;
  actor: Actor;
  traceContext: TraceContext;
  data: TData;
}

/** An envelope read back from the store: it has a place in the global order. */
export interface RecordedEnvelope<TType extends string = string, TData = unknown> extends Envelope<
  TType,
  TData
> {
  globalPosition: bigint;
  transactionId: bigint;
  streamVersion: bigint;
}

export interface EnvelopeOptions {
  streamId: string;
  actor: Actor;
  /** The message this one answers; its correlation id and trace context are inherited. */
  causedBy?: Pick<Envelope, 'eventId' | 'correlationId' | 'traceContext'>;
  correlationId?: string;
  traceContext?: TraceContext;
  eventId?: string;
  occurredAt?: Date;
}

export function envelope<TType extends string, TData>(
  message: { type: TType; version: number; data: TData },
  options: EnvelopeOptions,
): Envelope<TType, TData> {
  const eventId = options.eventId ?? uuidv7();
  return {
    eventId,
    type: message.type,
    version: message.version,
    streamId: options.streamId,
    occurredAt: (options.occurredAt ?? new Date()).toISOString(),
    correlationId: options.correlationId ?? options.causedBy?.correlationId ?? eventId,
    causationId: options.causedBy?.eventId ?? null,
    actor: options.actor,
    traceContext: options.traceContext ?? options.causedBy?.traceContext ?? {},
    data: message.data,
  };
}
