import { describe, expect, it } from 'vitest';
import { UserRegistered, type RecordedEnvelope } from '@mediabot/contracts';
import { toPublication } from './publication.ts';

const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

function recorded(): RecordedEnvelope {
  const event = UserRegistered.create(
    {
      telegramUserId: 42,
      username: 'ada',
      firstName: null,
      languageCode: 'en',
      registeredVia: 'start-command',
    },
    {
      streamId: 'user-42',
      actor: { kind: 'user', id: '42' },
      traceContext: { traceparent, tracestate: 'k=v' },
    },
  );
  return { ...event, globalPosition: 17n, transactionId: 900n, streamVersion: 1n };
}

describe('toPublication', () => {
  it('routes by event type and carries identity, position and trace context in properties', () => {
    const event = recorded();
    const { routingKey, options } = toPublication(event);
    expect(routingKey).toBe('identity.user-registered');
    expect(options).toMatchObject({
      persistent: true,
      mandatory: true,
      messageId: event.eventId,
      type: 'identity.user-registered',
      contentType: 'application/json',
      correlationId: event.correlationId,
      headers: {
        'x-mediabot-stream': 'user-42',
        'x-mediabot-global-position': '17',
        'x-mediabot-type': 'identity.user-registered',
        'x-mediabot-version': 2,
        'x-mediabot-correlation-id': event.correlationId,
        traceparent,
        tracestate: 'k=v',
      },
    });
  });

  it('writes the envelope as JSON with bigints as strings', () => {
    const body = JSON.parse(toPublication(recorded()).content.toString()) as Record<
      string,
      unknown
    >;
    expect(body).toMatchObject({
      globalPosition: '17',
      transactionId: '900',
      streamVersion: '1',
      type: 'identity.user-registered',
    });
  });
});
