import type { Options } from 'amqplib';
import type { RecordedEnvelope } from '@mediabot/contracts';
import { headerNames } from '../shared/headers.ts';

export interface Publication {
  routingKey: string;
  content: Buffer;
  options: Options.Publish;
}

/** The envelope as JSON; the store's bigints (position, transaction, stream version) become strings. */
export function serializeEnvelope(event: RecordedEnvelope): Buffer {
  return Buffer.from(
    JSON.stringify(event, (_key, value: unknown) =>
      typeof value === 'bigint' ? value.toString() : value,
    ),
  );
}

export function toPublication(event: RecordedEnvelope): Publication {
  const headers: Record<string, string | number> = {
    [headerNames.stream]: event.streamId,
    [headerNames.globalPosition]: event.globalPosition.toString(),
    [headerNames.type]: event.type,
    [headerNames.version]: event.version,
    [headerNames.correlationId]: event.correlationId,
  };
  if (event.traceContext.traceparent !== undefined)
    headers[headerNames.traceparent] = event.traceContext.traceparent;
  if (event.traceContext.tracestate !== undefined)
    headers[headerNames.tracestate] = event.traceContext.tracestate;
  return {
    routingKey: event.type,
    content: serializeEnvelope(event),
    options: {
      persistent: true,
      mandatory: true,
      messageId: event.eventId,
      type: event.type,
      contentType: 'application/json',
      correlationId: event.correlationId,
      timestamp: Math.floor(Date.parse(event.occurredAt) / 1000),
      appId: 'mediabot-relay',
      headers,
    },
  };
}
