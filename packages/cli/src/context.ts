import type { Readable, Writable } from 'node:stream';
import { AppError } from '@mediabot/contracts';

/** Everything a command touches outside itself, so a test can run it in-process. */
export interface CliContext {
  stdout: Writable;
  stderr: Writable;
  stdin: Readable;
  env: Readonly<Record<string, string | undefined>>;
  /** Where the repository root is searched from (services/<name>/package.json). */
  cwd: string;
  /** Milliseconds, for rates, ETAs and durations. */
  now: () => number;
  /** Aborted on Ctrl-C: long-running commands stop cleanly. */
  signal: AbortSignal;
  stderrIsTTY: boolean;
  stdinIsTTY: boolean;
  /** Asks a yes/no question on the terminal; only called when stdin is a TTY. */
  confirm(question: string): Promise<boolean>;
}

export type CliErrorCode =
  | 'usage'
  | 'not_found'
  | 'refused'
  | 'interrupted'
  | 'invalid_import_line'
  | 'import_conflict'
  | 'invalid_projection_module'
  | 'database_unreachable'
  | 'no_event_store';

/** A failure we explain to the developer; see exitStatusOf for the exit status. */
export class CliError extends AppError<CliErrorCode> {}

export function exitStatusOf(error: CliError): number {
  if (error.code === 'usage') return 2;
  if (error.code === 'interrupted') return 130;
  return 1;
}

export function interrupted(message: string): CliError {
  return new CliError('interrupted', `Interrupted: ${message}`);
}

export function usageError(message: string, command?: string): CliError {
  const hint = command ? `mediabot ${command} --help` : 'mediabot --help';
  return new CliError('usage', `${message}\nRun \`${hint}\` for usage.`);
}
