import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import { usageError } from './context.ts';

export const databaseUrlOption = {
  'database-url': { type: 'string' },
} as const satisfies ParseArgsOptionsConfig;

export const defaultDatabaseUrl = 'postgres://postgres@127.0.0.1:5432/mediabot';

export function databaseUrlFrom(
  flag: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): string {
  return flag ?? (env.DATABASE_URL || defaultDatabaseUrl);
}

const helpOption = { help: { type: 'boolean', short: 'h' } } as const;

/** node:util parseArgs in strict mode, with its errors turned into usage errors (exit 2). */
export function parseCommandLine<const TOptions extends ParseArgsOptionsConfig>(
  command: string,
  argv: readonly string[],
  options: TOptions,
  positionals: { min: number; max: number },
) {
  const config = {
    args: [...argv],
    options: { ...options, ...helpOption },
    strict: true,
    allowPositionals: true,
  } as const;
  let parsed: ReturnType<typeof parseArgs<typeof config>>;
  try {
    parsed = parseArgs(config);
  } catch (error) {
    // Node adds advice about `--` to unknown options; the option's name is what helps here.
    const message = error instanceof Error ? error.message : String(error);
    throw usageError(message.replace(/\. To specify a positional argument.*$/s, '.'), command);
  }
  if ((parsed.values as { help?: boolean }).help !== true) {
    const count = parsed.positionals.length;
    if (count < positionals.min) throw usageError('Missing argument.', command);
    if (count > positionals.max) {
      throw usageError(`Unexpected argument "${parsed.positionals[positionals.max]}".`, command);
    }
  }
  return parsed;
}

export function parsePosition(
  value: string | undefined,
  flag: string,
  command: string,
): bigint | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) {
    throw usageError(
      `--${flag} takes a global position (a whole number), not "${value}".`,
      command,
    );
  }
  return BigInt(value);
}
