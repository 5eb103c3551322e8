import type { Writable } from 'node:stream';
import { listenForAppends, positionOf, type EventStore } from '@mediabot/eventstore';
import { databaseUrlFrom, databaseUrlOption, parseCommandLine, parsePosition } from '../../args.ts';
import { databaseUrlHelp, type Command } from '../../command.ts';
import type { CliContext } from '../../context.ts';
import { withDatabase, type Database } from '../../database.ts';
import { eventMatcher, type EventFilter } from '../../log/glob.ts';
import { logEnd, positionBefore } from '../../log/log-range.ts';
import { formatEventLine, toNdjsonLine } from '../../output/event-format.ts';
import type { TextSink } from '../../output/progress.ts';
import { writeLine } from '../../output/write.ts';

export interface TailOptions {
  db: Database;
  store: EventStore;
  /** For LISTEN: appends wake the tail at once; polling covers lost notifications. */
  connectionString: string;
  out: Writable;
  info: TextSink;
  signal: AbortSignal;
  /** Print from this global position on; by default only events appended from now. */
  fromPosition?: bigint;
  filter: EventFilter;
  json: boolean;
  pollIntervalMs?: number;
  batchSize?: number;
}

/** Follows the global log until `signal` aborts; resolves with the number of events printed. */
export async function tailEvents(options: TailOptions): Promise<number> {
  const { db, store, out, signal, fromPosition } = options;
  const pollIntervalMs = options.pollIntervalMs ?? 1000;
  const matches = eventMatcher(options.filter);
  let after =
    fromPosition === undefined ? await logEnd(db) : await positionBefore(db, fromPosition);
  let wakeUp: (() => void) | undefined;
  let appendedSinceRead = false;
  const listener = await listenForAppends(options.connectionString, () => {
    appendedSinceRead = true;
    wakeUp?.();
  });
  const waitForAppend = () =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        wakeUp = undefined;
        resolve();
      };
      const timer = setTimeout(done, pollIntervalMs);
      signal.addEventListener('abort', done, { once: true });
      wakeUp = done;
      if (appendedSinceRead || signal.aborted) done();
    });

  options.info.write(
    fromPosition === undefined
      ? `Following new events after position ${after.globalPosition.toString()} (Ctrl-C to stop)\n`
      : `Following the event log from position ${fromPosition.toString()} (Ctrl-C to stop)\n`,
  );
  let printed = 0;
  try {
    while (!signal.aborted) {
      appendedSinceRead = false;
      const events = await store.readAll({ after, limit: options.batchSize ?? 500 });
      for (const event of events) {
        if (fromPosition !== undefined && event.globalPosition < fromPosition) continue;
        if (!matches(event)) continue;
        await writeLine(out, options.json ? toNdjsonLine(event) : formatEventLine(event));
        printed++;
      }
      const last = events.at(-1);
      if (last) after = positionOf(last);
      else await waitForAppend();
    }
  } finally {
    await listener.close();
  }
  return printed;
}

export const tailCommand: Command = {
  name: 'tail',
  summary: 'follow the event log as events are appended',
  help: `Usage: mediabot tail [--from-position N] [--type GLOB] [--stream GLOB] [--json]

Prints events as they are appended to the log, one line each: position, time, type and
version, stream@version, correlation id (its last 8 hex digits) and a summary of the data.
Ctrl-C stops.

Options:
  --from-position N    start at global position N (0: the whole log); default: new events only
  --type GLOB          only these event types, e.g. 'identity.*'
  --stream GLOB        only these streams, e.g. 'user-42' or 'user-*'
  --json               one NDJSON envelope per line instead (the export format)
${databaseUrlHelp}`,
  async run(argv, context: CliContext) {
    const { values } = parseCommandLine(
      'tail',
      argv,
      {
        ...databaseUrlOption,
        'from-position': { type: 'string' },
        type: { type: 'string' },
        stream: { type: 'string' },
        json: { type: 'boolean' },
      },
      { min: 0, max: 0 },
    );
    if (values.help) {
      context.stdout.write(`${tailCommand.help}\n`);
      return 0;
    }
    const fromPosition = parsePosition(values['from-position'], 'from-position', 'tail');
    await withDatabase(databaseUrlFrom(values['database-url'], context.env), ({ db, store, url }) =>
      tailEvents({
        db,
        store,
        connectionString: url,
        out: context.stdout,
        info: context.stderr,
        signal: context.signal,
        ...(fromPosition === undefined ? {} : { fromPosition }),
        filter: {
          ...(values.type === undefined ? {} : { type: values.type }),
          ...(values.stream === undefined ? {} : { stream: values.stream }),
        },
        json: values.json ?? false,
      }),
    );
    return 0;
  },
};
