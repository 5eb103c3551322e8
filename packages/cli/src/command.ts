import type { CliContext } from './context.ts';

export interface Command {
  name: string;
  /** One line for `mediabot --help`. */
  summary: string;
  /** The whole text of `mediabot <name> --help`. */
  help: string;
  /** Returns the exit status. */
  run(argv: readonly string[], context: CliContext): Promise<number>;
}

export const databaseUrlHelp = `  --database-url URL   PostgreSQL with the event store (default: $DATABASE_URL, else
                       postgres://postgres@127.0.0.1:5432/mediabot)`;
