import { z } from 'zod';

// Schemas for single environment variables. Each takes the raw string and yields a typed value;
// chain `.optional()` or `.default(value)` as usual. Messages never echo the value: it may be a secret.

const TRUE_WORDS = new Set(['true', '1', 'yes', 'on']);
const FALSE_WORDS = new Set(['false', '0', 'no', 'off']);

export function booleanVar() {
  return z
    .string()
    .trim()
    .toLowerCase()
    .refine((value) => TRUE_WORDS.has(value) || FALSE_WORDS.has(value), {
      message: 'must be one of true/false, 1/0, yes/no, on/off',
    })
    .transform((value) => TRUE_WORDS.has(value));
}

export function intVar(options: { min?: number; max?: number } = {}) {
  const { min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER } = options;
  return z
    .string()
    .trim()
    .regex(/^-?\d+$/, { message: 'must be a whole number' })
    .transform(Number)
    .refine((value) => value >= min, { message: `must be at least ${min}` })
    .refine((value) => value <= max, { message: `must be at most ${max}` });
}

export function portVar() {
  return intVar({ min: 0, max: 65_535 });
}

const DURATION_UNITS_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 } as const;

/** Parses `1500` (milliseconds), `1500ms`, `30s`, `5m` or `1h` into milliseconds. */
export function parseDurationMs(text: string): number | undefined {
  const match = /^(\d+)(ms|s|m|h)?$/.exec(text.trim());
  if (!match?.[1]) return undefined;
  const unit = (match[2] ?? 'ms') as keyof typeof DURATION_UNITS_MS;
  return Number(match[1]) * DURATION_UNITS_MS[unit];
}

export function durationVar(options: { min?: number; max?: number } = {}) {
  const { min = 0, max = Number.MAX_SAFE_INTEGER } = options;
  return z
    .string()
    .refine((value) => parseDurationMs(value) !== undefined, {
      message: 'must be a duration in milliseconds, or with a unit: 1500ms, 30s, 5m, 1h',
    })
    .transform((value) => parseDurationMs(value) ?? 0)
    .refine((value) => value >= min, { message: `must be at least ${min} ms` })
    .refine((value) => value <= max, { message: `must be at most ${max} ms` });
}

/** A URL kept as a string (drivers want strings); `protocols` without the colon, e.g. ['amqp', 'amqps']. */
export function urlVar(options: { protocols?: readonly string[] } = {}) {
  const { protocols } = options;
  const expected = protocols?.map((protocol) => `${protocol}://`).join(' or ');
  return z
    .string()
    .trim()
    .refine((value) => URL.canParse(value), { message: 'must be a valid URL', abort: true })
    .refine(
      (value) => !protocols || protocols.includes(new URL(value).protocol.replace(/:$/, '')),
      { message: `must start with ${expected ?? 'a scheme'}` },
    );
}
