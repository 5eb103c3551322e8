import { describeError } from '@mediabot/contracts';
import type { Command } from './command.ts';
import { exportCommand } from './commands/export/export.command.ts';
import { importCommand } from './commands/import/import.command.ts';
import { projectionsCommand } from './commands/projections/projections.command.ts';
import { rebuildCommand } from './commands/rebuild/rebuild.command.ts';
import { streamCommand } from './commands/stream/stream.command.ts';
import { tailCommand } from './commands/tail/tail.command.ts';
import { CliError, exitStatusOf, usageError, type CliContext } from './context.ts';

export const commands: readonly Command[] = [
  tailCommand,
  streamCommand,
  exportCommand,
  importCommand,
  rebuildCommand,
  projectionsCommand,
];

export function mainHelp(): string {
  const width = Math.max(...commands.map((command) => command.name.length)) + 2;
  return `mediabot: inspect, export, import and replay the MediaBot event log

Usage: mediabot <command> [options]

Commands:
${commands.map((command) => `  ${command.name.padEnd(width)}${command.summary}`).join('\n')}

Every command that reads the log takes --database-url URL (default: $DATABASE_URL, else
postgres://postgres@127.0.0.1:5432/mediabot). Run \`mediabot <command> --help\` for its options.
`;
}

/** Runs one command line; returns the exit status (0 done, 1 failed, 2 misused, 130 interrupted). */
export async function runCli(argv: readonly string[], context: CliContext): Promise<number> {
  const [name, ...rest] = argv;
  try {
    if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
      const out = name === undefined ? context.stderr : context.stdout;
      out.write(mainHelp());
      return name === undefined ? 2 : 0;
    }
    const command = commands.find((candidate) => candidate.name === name);
    if (!command) {
      throw usageError(
        name.startsWith('-')
          ? `Options go after the command: mediabot <command> ${name} …`
          : `Unknown command "${name}".`,
      );
    }
    return await command.run(rest, context);
  } catch (error) {
    if (error instanceof CliError) {
      context.stderr.write(`mediabot: ${error.message}\n`);
      return exitStatusOf(error);
    }
    const { code, message } = describeError(error);
    context.stderr.write(`mediabot: ${message} (${code})\n`);
    return 1;
  }
}
