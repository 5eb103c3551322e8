import { describe, expect, it } from 'vitest';
import { ContractError } from '../errors/app-error.ts';
import { registry, UserRegistered } from '../events/index.ts';
import { uuidv7, uuidv7Timestamp } from '../envelope/uuidv7.ts';

const actor = { kind: 'user' as const, id: '42' };

describe('message registry', () => {
  it('upcasts a v1 user-registered event to the current shape on read', () => {
    const stored = {
      ...UserRegistered.create(
        {
          telegramUserId: 42,
          username: 'ana',
          firstName: 'Ana',
          languageCode: 'fr',
          registeredVia: 'start-command',
        },
        { streamId: 'user-42', actor },
      ),
      version: 1,
      data: { telegramUserId: 42, username: 'ana', language: 'fr-FR' },
    };
    const parsed = registry.parse(stored);
    expect(parsed.version).toBe(2);
    expect(parsed.data).toEqual({
      telegramUserId: 42,
      username: 'ana',
      firstName: null,
      languageCode: 'fr',
      registeredVia: 'start-command',
    });
  });

  it('falls back to English for a language we do not speak', () => {
    expect(
      UserRegistered.parseData(1, { telegramUserId: 1, username: null, language: 'pt-BR' })
        .languageCode,
    ).toBe('en');
  });

  it('rejects unknown types, unknown versions and bad payloads with typed, non-retryable errors', () => {
    const base = UserRegistered.create(
      {
        telegramUserId: 7,
        username: null,
        firstName: null,
        languageCode: 'en',
        registeredVia: 'first-message',
      },
      { streamId: 'user-7', actor },
    );
    const codeOf = (raw: unknown) => {
      try {
        registry.parse(raw);
        return 'parsed';
      } catch (error) {
        expect(error).toBeInstanceOf(ContractError);
        expect((error as ContractError).retryable).toBe(false);
        return (error as ContractError).code;
      }
    };
    expect(codeOf({ ...base, type: 'identity.nope' })).toBe('unknown_message_type');
    expect(codeOf({ ...base, version: 9 })).toBe('unsupported_version');
    expect(codeOf({ ...base, data: { telegramUserId: -1 } })).toBe('invalid_payload');
    expect(codeOf({ ...base, eventId: 'not-a-uuid' })).toBe('invalid_payload');
    expect(codeOf(base)).toBe('parsed');
  });

  it('validates data when a message is created', () => {
    expect(() =>
      UserRegistered.create({ telegramUserId: 0 } as never, { streamId: 'user-0', actor }),
    ).toThrow(ContractError);
  });

  it('inherits correlation id and trace context from the message that caused it', () => {
    const cause = UserRegistered.create(
      {
        telegramUserId: 5,
        username: null,
        firstName: null,
        languageCode: 'es',
        registeredVia: 'start-command',
      },
      {
        streamId: 'user-5',
        actor,
        traceContext: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
      },
    );
    const effect = UserRegistered.create(cause.data, {
      streamId: 'user-5',
      actor,
      causedBy: cause,
    });
    expect(effect.correlationId).toBe(cause.correlationId);
    expect(effect.causationId).toBe(cause.eventId);
    expect(effect.traceContext).toEqual(cause.traceContext);
  });
});

describe('uuidv7', () => {
  it('is a version 7 RFC 9562 uuid that sorts by creation time, also within one millisecond', () => {
    const ids = Array.from({ length: 2000 }, () => uuidv7(1_700_000_000_000));
    for (const id of ids)
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    expect(uuidv7Timestamp(uuidv7(1_800_000_000_000))).toBeGreaterThanOrEqual(1_800_000_000_000);
  });
});

describe('deterministicUuidv7', () => {
  it('gives the same valid UUIDv7 for the same cause and time, and another for another cause', async () => {
    const { deterministicUuidv7 } = await import('../envelope/uuidv7.ts');
    const id = deterministicUuidv7('update:42:0', 1_700_000_000_000);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(deterministicUuidv7('update:42:0', 1_700_000_000_000)).toBe(id);
    expect(deterministicUuidv7('update:42:1', 1_700_000_000_000)).not.toBe(id);
    expect(uuidv7Timestamp(id)).toBe(1_700_000_000_000);
  });
});
