import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { logStart, positionOf, type EventStore } from '@mediabot/eventstore';
import { databaseUrlFrom, databaseUrlOption, parseCommandLine, parsePosition } from '../../args.ts';
import { databaseUrlHelp, type Command } from '../../command.ts';
import { interrupted, usageError } from '../../context.ts';
import { withDatabase, type Database } from '../../database.ts';
import { eventMatcher, type EventFilter } from '../../log/glob.ts';
import { positionBefore } from '../../log/log-range.ts';
import { toNdjsonLine } from '../../output/event-format.ts';
import { createProgress } from '../../output/progress.ts';
import { formatCount, formatDuration, writeLine } from '../../output/write.ts';

export interface ExportResult {
  exported: number;
  read: number;
  /** The log's head when the export started: nothing after it is exported. */
  head: bigint;
}

/**
 * Streams the log as NDJSON in log order, a page at a time, waiting on the output when it is
 * slow: memory stays flat however long the log is.
 */
export async function exportEvents(options: {
  db: Database;
  store: EventStore;
  out: Writable;
  from?: bigint;
  to?: bigint;
  filter: EventFilter;
  batchSize?: number;
  /** Stops between pages with an `interrupted` error. */
  signal?: AbortSignal;
  onProgress?: (progress: {
    read: number;
    exported: number;
    position: bigint;
    head: bigint;
  }) => void;
}): Promise<ExportResult> {
  const { store, from } = options;
  const matches = eventMatcher(options.filter);
  const head = options.to ?? (await store.headPosition());
  let after = from === undefined ? logStart : await positionBefore(options.db, from);
  let read = 0;
  let exported = 0;
  for (;;) {
    if (options.signal?.aborted)
      throw interrupted(`stopped after ${formatCount(exported)} events.`);
    const events = await store.readAll({ after, limit: options.batchSize ?? 1000, upTo: head });
    const last = events.at(-1);
    if (!last) break;
    for (const event of events) {
      if (from !== undefined && event.globalPosition < from) continue;
      if (!matches(event)) continue;
      await writeLine(options.out, toNdjsonLine(event));
      exported++;
    }
    read += events.length;
    after = positionOf(last);
    options.onProgress?.({ read, exported, position: last.globalPosition, head });
  }
  return { exported, read, head };
}

export const exportCommand: Command = {
  name: 'export',
  summary: 'write events as NDJSON, one envelope per line',
  help: `Usage: mediabot export --out FILE|- [--from N] [--to N] [--type GLOB]

Writes the log (or part of it) in log order as NDJSON: one envelope per line, as stored (data
at its original version), with its original globalPosition and streamVersion as strings.
A file is written beside as FILE.partial and renamed when complete. \`mediabot import\` reads it.

Options:
  --out FILE|-         where to write ('-': stdout)
  --from N             only events at global position N or later
  --to N               only events up to global position N (default: the head when it starts)
  --type GLOB          only these event types, e.g. 'identity.*' (an import then needs whole
                       streams: export every type of the streams you want to import)
${databaseUrlHelp}`,
  async run(argv, context) {
    const { values } = parseCommandLine(
      'export',
      argv,
      {
        ...databaseUrlOption,
        out: { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        type: { type: 'string' },
      },
      { min: 0, max: 0 },
    );
    if (values.help) {
      context.stdout.write(`${exportCommand.help}\n`);
      return 0;
    }
    if (values.out === undefined)
      throw usageError('--out FILE (or - for stdout) is required.', 'export');
    const from = parsePosition(values.from, 'from', 'export');
    const to = parsePosition(values.to, 'to', 'export');
    const toStdout = values.out === '-';
    const partialPath = `${values.out}.partial`;
    const out = toStdout ? context.stdout : createWriteStream(partialPath);
    const progress = createProgress({
      out: context.stderr,
      isTTY: context.stderrIsTTY,
      now: context.now,
      label: 'export',
    });
    const startedAt = context.now();
    let result: ExportResult;
    try {
      result = await withDatabase(
        databaseUrlFrom(values['database-url'], context.env),
        ({ db, store }) =>
          exportEvents({
            db,
            store,
            out,
            ...(from === undefined ? {} : { from }),
            ...(to === undefined ? {} : { to }),
            filter: values.type === undefined ? {} : { type: values.type },
            signal: context.signal,
            onProgress: ({ read, position, head }) =>
              progress.update({ done: Number(position), total: Number(head), count: read }),
          }),
      );
      if (!toStdout) {
        out.end();
        await finished(out);
        await rename(partialPath, values.out);
      }
    } catch (error) {
      progress.finish();
      if (!toStdout) {
        // Writes still queued fail once the stream is destroyed: nobody needs to hear about them.
        out.on('error', () => {});
        out.destroy();
        await rm(partialPath, { force: true });
        context.stderr.write(`Nothing was written to ${values.out}.\n`);
      }
      throw error;
    }
    progress.finish();
    const summary = `Exported ${formatCount(result.exported)} events (read ${formatCount(result.read)} up to position ${result.head.toString()}) to ${toStdout ? 'stdout' : values.out} in ${formatDuration(context.now() - startedAt)}\n`;
    (toStdout ? context.stderr : context.stdout).write(summary);
    return 0;
  },
};
