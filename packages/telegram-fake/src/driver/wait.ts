import type { EventEmitter } from 'node:events';
import type { FakeEventMap } from '../server/fake-bot.ts';

const WATCHED = ['call', 'transcript', 'webhook', 'update', 'polling'] as const;

/**
 * Resolves with the first non-undefined answer of `find`, checked now and after every event of
 * the fake; rejects after timeoutMs with `describe()` saying what was awaited and what happened.
 */
export function waitUntil<T>(
  events: EventEmitter<FakeEventMap>,
  find: () => T | undefined,
  timeoutMs: number,
  describe: () => string,
): Promise<T> {
  const found = find();
  if (found !== undefined) return Promise.resolve(found);
  return new Promise<T>((resolve, reject) => {
    const check = (): void => {
      const value = find();
      if (value === undefined) return;
      cleanup();
      resolve(value);
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`Timed out after ${timeoutMs} ms waiting for ${describe()}`));
    }, timeoutMs);
    const cleanup = (): void => {
      clearTimeout(timer);
      for (const name of WATCHED) events.off(name, check);
    };
    for (const name of WATCHED) events.on(name, check);
  });
}
