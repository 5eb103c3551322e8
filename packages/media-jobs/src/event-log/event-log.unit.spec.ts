import { describe, expect, it } from 'vitest';
import { ContractError, UserRegistered } from '@mediabot/contracts';
import { dataOf, occurredAtMs } from './event-log.ts';

describe('dataOf', () => {
  it('gives the current shape of data stored at an older version', () => {
    const stored = {
      version: 1,
      data: { telegramUserId: 42, username: 'ada', language: 'fr-FR' },
    };

    expect(dataOf(UserRegistered, stored)).toEqual({
      telegramUserId: 42,
      username: 'ada',
      firstName: null,
      languageCode: 'fr',
      registeredVia: 'start-command',
    });
  });

  it('rejects data that does not fit the schema', () => {
    expect(() => dataOf(UserRegistered, { version: 2, data: { telegramUserId: 'x' } })).toThrow(
      ContractError,
    );
  });
});

describe('occurredAtMs', () => {
  it('is the epoch milliseconds of the message time', () => {
    expect(occurredAtMs({ occurredAt: '2030-01-01T00:00:01.500Z' })).toBe(
      Date.UTC(2030, 0, 1, 0, 0, 1, 500),
    );
  });
});
