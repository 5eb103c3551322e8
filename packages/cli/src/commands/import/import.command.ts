import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { z } from 'zod';
import {
  ContractError,
  envelopeSchema,
  registry as productRegistry,
  type Envelope,
  type MessageRegistry,
} from '@mediabot/contracts';
import {
  createEventStore,
  EventStoreError,
  migrateEventStore,
  type AppendResult,
  type EventStore,
} from '@mediabot/eventstore';
import { databaseUrlFrom, databaseUrlOption, parseCommandLine } from '../../args.ts';
import { databaseUrlHelp, type Command } from '../../command.ts';
import { CliError, interrupted, usageError } from '../../context.ts';
import { redactUrl, withDatabase, type Database } from '../../database.ts';
import { createProgress } from '../../output/progress.ts';
import { formatCount, formatDuration } from '../../output/write.ts';

const exportedEventSchema = envelopeSchema.extend({
  globalPosition: z.string().regex(/^\d+$/, 'a whole number as a string'),
  streamVersion: z.string().regex(/^[1-9]\d*$/, 'a positive whole number as a string'),
});

interface ImportedEvent {
  line: number;
  envelope: Envelope;
  streamVersion: bigint;
}

/** Events of one stream with consecutive versions: appended together, all or nothing. */
interface StreamBatch {
  streamId: string;
  events: ImportedEvent[];
}

interface Outcome {
  appended: number;
  alreadyPresent: number;
}

export interface ImportResult extends Outcome {
  lines: number;
}

function invalidLine(line: number, reason: string, imported: Outcome): CliError {
  return new CliError(
    'invalid_import_line',
    `Line ${line} is not a valid exported event: ${reason}\n` +
      `Nothing from line ${line} on was imported; the ${formatCount(imported.appended + imported.alreadyPresent)} events before it are in the target (re-running skips them).`,
    { details: { line, ...imported } },
  );
}

function parseLine(
  text: string,
  line: number,
  registry: MessageRegistry,
): ImportedEvent | { problem: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    return { problem: `not JSON (${(error as Error).message})` };
  }
  const parsed = exportedEventSchema.safeParse(raw);
  if (!parsed.success) return { problem: z.prettifyError(parsed.error) };
  const { globalPosition: _position, streamVersion, ...envelope } = parsed.data;
  if (envelope.data === undefined) return { problem: 'it has no data' };
  try {
    // Validates the data against its contract at its own version; what is stored stays as exported.
    registry.parse(envelope);
  } catch (error) {
    if (error instanceof ContractError) return { problem: error.message };
    throw error;
  }
  return { line, envelope, streamVersion: BigInt(streamVersion) };
}

const expectedBefore = (version: bigint) => (version === 1n ? 'no_stream' : version - 1n);

function outcomeOf(batch: StreamBatch, result: AppendResult): Outcome {
  return result.alreadyAppended
    ? { appended: 0, alreadyPresent: batch.events.length }
    : { appended: batch.events.length, alreadyPresent: 0 };
}

function conflict(line: number, message: string, cause?: unknown): CliError {
  return new CliError('import_conflict', `Line ${line}: ${message}`, {
    ...(cause === undefined ? {} : { cause }),
    details: { line },
  });
}

/**
 * Appends a batch at the versions it had in the export. When the target already holds part of
 * it (a re-run, or a run that stopped half-way), those events must be the very same ones; the
 * rest is appended after them.
 */
async function appendReconciling(store: EventStore, batch: StreamBatch): Promise<Outcome> {
  const { streamId, events } = batch;
  const first = events[0]!;
  try {
    return outcomeOf(
      batch,
      await store.append(
        streamId,
        events.map((event) => event.envelope),
        { expectedVersion: expectedBefore(first.streamVersion) },
      ),
    );
  } catch (error) {
    if (error instanceof EventStoreError && error.code === 'duplicate_event_id') {
      throw conflict(
        first.line,
        `an event of stream ${streamId} already exists in another stream of the target.`,
        error,
      );
    }
    if (!(error instanceof EventStoreError && error.code === 'wrong_expected_version')) throw error;
  }
  const current = (await store.streamVersion(streamId)) ?? 0n;
  if (current < first.streamVersion - 1n) {
    throw conflict(
      first.line,
      `stream ${streamId} ${current === 0n ? 'is not in the target' : `is at version ${current.toString()} in the target`}, but the export continues it at version ${first.streamVersion.toString()}: its earlier events are not in the export (was it made with --from or --type?).`,
    );
  }
  const present = await store.readStream(streamId, {
    fromVersion: first.streamVersion,
    maxCount: events.length,
  });
  present.forEach((existing, index) => {
    const exported = events[index]!;
    if (existing.eventId !== exported.envelope.eventId) {
      throw conflict(
        exported.line,
        `stream ${streamId} version ${exported.streamVersion.toString()} is event ${existing.eventId} in the target, but ${exported.envelope.eventId} in the export.`,
      );
    }
  });
  const rest = events.slice(present.length);
  if (rest.length > 0) {
    await store.append(
      streamId,
      rest.map((event) => event.envelope),
      { expectedVersion: current },
    );
  }
  return { appended: rest.length, alreadyPresent: present.length };
}

/**
 * Reads NDJSON line by line and appends each stream's consecutive events as one batch at their
 * exported versions. Batches are committed in groups (one transaction for many small streams);
 * a group that meets anything unusual is redone batch by batch, each atomic on its own.
 */
export async function importEvents(options: {
  db: Database;
  input: Readable;
  registry?: MessageRegistry;
  /** Events per transaction in the common case. */
  groupSize?: number;
  maxBatchSize?: number;
  /** Stops at the next line, after writing the events read so far. */
  signal?: AbortSignal;
  onProgress?: (progress: ImportResult) => void;
}): Promise<ImportResult> {
  const registry = options.registry ?? productRegistry;
  const groupSize = options.groupSize ?? 1000;
  const maxBatchSize = options.maxBatchSize ?? 500;
  const store = createEventStore(options.db);
  const result: ImportResult = { lines: 0, appended: 0, alreadyPresent: 0 };
  let group: StreamBatch[] = [];
  let eventsInGroup = 0;

  const tally = (outcome: Outcome) => {
    result.appended += outcome.appended;
    result.alreadyPresent += outcome.alreadyPresent;
  };

  const flush = async () => {
    const batches = group;
    group = [];
    eventsInGroup = 0;
    if (batches.length === 0) return;
    let outcomes: Outcome[];
    try {
      outcomes = await options.db.transaction().execute(async (trx) => {
        const inTransaction = createEventStore(trx);
        const done: Outcome[] = [];
        for (const batch of batches) {
          const appended = await inTransaction.append(
            batch.streamId,
            batch.events.map((event) => event.envelope),
            { expectedVersion: expectedBefore(batch.events[0]!.streamVersion) },
          );
          done.push(outcomeOf(batch, appended));
        }
        return done;
      });
    } catch {
      outcomes = [];
      for (const batch of batches) outcomes.push(await appendReconciling(store, batch));
    }
    outcomes.forEach(tally);
    options.onProgress?.({ ...result });
  };

  const lines = createInterface({ input: options.input, crlfDelay: Infinity });
  // readline ends quietly when its input fails; the failure must not pass for the end of the file.
  let inputError: Error | undefined;
  options.input.once('error', (error: Error) => {
    inputError = error;
    lines.close();
  });
  const acceptLine = async (text: string) => {
    result.lines++;
    if (text.trim() === '') return;
    const parsed = parseLine(text, result.lines, registry);
    if ('problem' in parsed) {
      await flush();
      throw invalidLine(result.lines, parsed.problem, result);
    }
    const batch = group.at(-1);
    const previous = batch?.events.at(-1);
    if (
      batch &&
      previous &&
      batch.streamId === parsed.envelope.streamId &&
      parsed.streamVersion === previous.streamVersion + 1n &&
      batch.events.length < maxBatchSize
    ) {
      batch.events.push(parsed);
    } else {
      group.push({ streamId: parsed.envelope.streamId, events: [parsed] });
    }
    if (++eventsInGroup >= groupSize) await flush();
  };

  const stop = () => lines.close();
  // A for-await over an already closed readline never ends: only start reading when not stopped.
  if (!options.signal?.aborted) {
    options.signal?.addEventListener('abort', stop, { once: true });
    try {
      for await (const text of lines) await acceptLine(text);
    } finally {
      options.signal?.removeEventListener('abort', stop);
    }
  }
  if (inputError !== undefined) throw inputError;
  await flush();
  if (options.signal?.aborted) {
    throw interrupted(
      `stopped after line ${result.lines}: ${formatCount(result.appended)} events appended, ${formatCount(result.alreadyPresent)} already present (re-running continues from there).`,
    );
  }
  return result;
}

async function openInput(path: string): Promise<Readable> {
  try {
    return (await open(path)).createReadStream();
  } catch (error) {
    throw new CliError('not_found', `Cannot read ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

export const importCommand: Command = {
  name: 'import',
  summary: 'append an NDJSON export to a database',
  help: `Usage: mediabot import --in FILE|- [--database-url URL]

Reads what \`mediabot export\` wrote and appends it to the event store at --database-url
(created if missing), keeping every event's id, stream, stream version and data. Each stream's
consecutive events are appended together, atomically, at their exported versions.

Re-running is safe: events already in the target are recognised by id and skipped. A line that
is not a valid event stops the import with its line number; nothing from that line on is
written. Event types must be known to the contracts registry.

Options:
  --in FILE|-          what to read ('-': stdin)
${databaseUrlHelp}`,
  async run(argv, context) {
    const { values } = parseCommandLine(
      'import',
      argv,
      { ...databaseUrlOption, in: { type: 'string' } },
      { min: 0, max: 0 },
    );
    if (values.help) {
      context.stdout.write(`${importCommand.help}\n`);
      return 0;
    }
    if (values.in === undefined)
      throw usageError('--in FILE (or - for stdin) is required.', 'import');
    const url = databaseUrlFrom(values['database-url'], context.env);
    const input = values.in === '-' ? context.stdin : await openInput(values.in);
    const progress = createProgress({
      out: context.stderr,
      isTTY: context.stderrIsTTY,
      now: context.now,
      label: 'import',
    });
    const startedAt = context.now();
    const result = await withDatabase(url, async ({ db }) => {
      await migrateEventStore(db);
      return importEvents({
        db,
        input,
        signal: context.signal,
        onProgress: ({ appended, alreadyPresent }) =>
          progress.update({ done: 0, count: appended + alreadyPresent }),
      });
    }).finally(() => progress.finish());
    context.stdout.write(
      `Imported ${formatCount(result.appended)} events (${formatCount(result.alreadyPresent)} already present) from ${formatCount(result.lines)} lines into ${redactUrl(url)} in ${formatDuration(context.now() - startedAt)}\n`,
    );
    return 0;
  },
};
