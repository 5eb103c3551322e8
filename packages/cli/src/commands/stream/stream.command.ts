import type { Writable } from 'node:stream';
import type { EventStore } from '@mediabot/eventstore';
import { databaseUrlFrom, databaseUrlOption, parseCommandLine } from '../../args.ts';
import { databaseUrlHelp, type Command } from '../../command.ts';
import { CliError } from '../../context.ts';
import { withDatabase } from '../../database.ts';
import { formatEventLine, toNdjsonLine } from '../../output/event-format.ts';
import { writeLine } from '../../output/write.ts';

/** Prints a stream page by page; resolves with its event count (0: no such stream). */
export async function printStream(options: {
  store: EventStore;
  streamId: string;
  out: Writable;
  json: boolean;
  pageSize?: number;
}): Promise<number> {
  const pageSize = options.pageSize ?? 500;
  let fromVersion = 1n;
  let printed = 0;
  for (;;) {
    const events = await options.store.readStream(options.streamId, {
      fromVersion,
      maxCount: pageSize,
    });
    for (const event of events) {
      await writeLine(options.out, options.json ? toNdjsonLine(event) : formatEventLine(event));
    }
    printed += events.length;
    const last = events.at(-1);
    if (!last || events.length < pageSize) return printed;
    fromVersion = last.streamVersion + 1n;
  }
}

export const streamCommand: Command = {
  name: 'stream',
  summary: "print one stream's events with their versions",
  help: `Usage: mediabot stream <streamId> [--json]

Prints every event of a stream in version order (stream@version on each line).

Options:
  --json               one NDJSON envelope per line (the export format)
${databaseUrlHelp}`,
  async run(argv, context) {
    const { values, positionals } = parseCommandLine(
      'stream',
      argv,
      { ...databaseUrlOption, json: { type: 'boolean' } },
      { min: 1, max: 1 },
    );
    if (values.help) {
      context.stdout.write(`${streamCommand.help}\n`);
      return 0;
    }
    const streamId = positionals[0]!;
    const printed = await withDatabase(
      databaseUrlFrom(values['database-url'], context.env),
      ({ store }) =>
        printStream({ store, streamId, out: context.stdout, json: values.json ?? false }),
    );
    if (printed === 0) throw new CliError('not_found', `Stream "${streamId}" has no events.`);
    return 0;
  },
};
