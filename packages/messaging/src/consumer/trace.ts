import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  propagation,
  trace,
  type TextMapGetter,
} from '@opentelemetry/api';
import type { TraceContext } from '@mediabot/contracts';
import { headerText, type AmqpHeaders } from '../shared/headers.ts';

const headerGetter: TextMapGetter<AmqpHeaders> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => headerText(carrier, key),
};

const tracer = trace.getTracer('@mediabot/messaging');

/**
 * Runs `work` in a consumer span whose parent is the trace carried by the message (its
 * `traceparent` header, or else the envelope's trace context), so traces continue across services.
 */
export function withMessageTrace<T>(
  message: {
    headers: AmqpHeaders | undefined;
    traceContext: TraceContext;
    queue: string;
    messageId: string;
    type: string;
  },
  work: () => Promise<T>,
): Promise<T> {
  const carrier: AmqpHeaders = { ...message.traceContext, ...message.headers };
  const parent = propagation.extract(ROOT_CONTEXT, carrier, headerGetter);
  const attributes = {
    'messaging.system': 'rabbitmq',
    'messaging.operation.type': 'process',
    'messaging.destination.name': message.queue,
    'messaging.message.id': message.messageId,
    'mediabot.event.type': message.type,
  };
  return tracer.startActiveSpan(
    `process ${message.type}`,
    { kind: SpanKind.CONSUMER, attributes },
    parent,
    async (span) => {
      try {
        return await work();
      } catch (error) {
        span.recordException(error instanceof Error ? error : String(error));
        span.setStatus({ code: SpanStatusCode.ERROR });
        throw error;
      } finally {
        span.end();
      }
    },
  );
}
