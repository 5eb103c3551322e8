export { runCli, commands, mainHelp } from './cli.ts';
export type { CliContext } from './context.ts';
export { CliError, type CliErrorCode } from './context.ts';
