/** Header names this package writes and reads. `traceparent`/`tracestate` follow W3C Trace Context. */
export const headerNames = {
  stream: 'x-mediabot-stream',
  globalPosition: 'x-mediabot-global-position',
  type: 'x-mediabot-type',
  version: 'x-mediabot-version',
  correlationId: 'x-mediabot-correlation-id',
  attempt: 'x-mediabot-attempt',
  consumer: 'x-mediabot-consumer',
  errorCode: 'x-mediabot-error-code',
  errorMessage: 'x-mediabot-error-message',
  originalRoutingKey: 'x-mediabot-original-routing-key',
  traceparent: 'traceparent',
  tracestate: 'tracestate',
} as const;

export type AmqpHeaders = Record<string, unknown>;

/** A header as text: amqplib hands long strings back as strings, but other clients may send bytes. */
export function headerText(headers: AmqpHeaders | undefined, name: string): string | undefined {
  const value = headers?.[name];
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  return undefined;
}
