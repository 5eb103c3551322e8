import { AsyncLocalStorage } from 'node:async_hooks';

/** Fields stamped on every log line written inside `withLogContext`. */
export interface LogContext {
  correlationId: string;
  eventId?: string;
  [field: string]: unknown;
}

const storage = new AsyncLocalStorage<Readonly<LogContext>>();

/** Runs `fn` with these fields on every log line it writes, nested contexts adding to outer ones. */
export function withLogContext<T>(fields: LogContext, fn: () => T): T {
  return storage.run({ ...storage.getStore(), ...fields }, fn);
}

export function currentLogContext(): Readonly<LogContext> | undefined {
  return storage.getStore();
}
