import { sql } from 'kysely';
import { registry as productRegistry, type MessageRegistry } from '@mediabot/contracts';
import {
  rebuildProjection,
  type EventStore,
  type ProjectionDefinition,
  type RebuildResult,
} from '@mediabot/eventstore';
import { databaseUrlFrom, databaseUrlOption, parseCommandLine, parsePosition } from '../../args.ts';
import { databaseUrlHelp, type Command } from '../../command.ts';
import { CliError, interrupted, usageError, type CliContext } from '../../context.ts';
import { withDatabase, type Database } from '../../database.ts';
import { findRepoRoot, loadServiceProjections } from '../../discovery/service-projections.ts';
import { createProgress } from '../../output/progress.ts';
import { formatCount, formatDuration } from '../../output/write.ts';

const reservedSchemas = new Set(['public', 'eventstore', 'information_schema']);

async function schemaExists(db: Database, schema: string): Promise<boolean> {
  const { rows } = await sql`select 1 from pg_namespace where nspname = ${schema}`.execute(db);
  return rows.length > 0;
}

function describeTarget(
  projections: readonly ProjectionDefinition[],
  into: string | undefined,
): string {
  const liveTables = projections.flatMap((projection) =>
    projection.tables.map((table) => `${projection.schema}.${table}`),
  );
  return into === undefined
    ? `replaces the live tables ${liveTables.join(', ')}`
    : `drops and recreates schema ${into}`;
}

async function confirmed(context: CliContext, question: string, yes: boolean): Promise<boolean> {
  if (yes) return true;
  if (!context.stdinIsTTY) {
    throw usageError(`${question}: pass --yes to confirm when not at a terminal.`, 'rebuild');
  }
  return context.confirm(`${question}. Continue? [y/N] `);
}

/** What an interrupted rebuild leaves behind: never the live tables, maybe a partial schema. */
async function leftoverNotice(
  db: Database,
  projection: ProjectionDefinition,
  into: string | undefined,
): Promise<string> {
  if (into !== undefined) return `${projection.name} is only partly rebuilt in schema ${into}.`;
  const { rows } = await sql<{ nspname: string }>`
    select nspname from pg_namespace where nspname like ${`${projection.schema}\\_rebuild\\_%`}
    order by nspname`.execute(db);
  const leftovers = rows.map((row) => row.nspname);
  return `the live tables of ${projection.name} are untouched.${
    leftovers.length === 0
      ? ''
      : ` Partial rebuilds remain in schema ${leftovers.join(', ')} (drop schema … cascade).`
  }`;
}

export interface RebuildSummary extends RebuildResult {
  projection: string;
  durationMs: number;
}

/** Rebuilds each projection in turn, showing progress; dependencies come from the caller. */
export async function rebuildProjections(options: {
  db: Database;
  store: EventStore;
  projections: readonly ProjectionDefinition[];
  registry?: MessageRegistry;
  upTo?: bigint;
  into?: string;
  context: Pick<CliContext, 'stderr' | 'stderrIsTTY' | 'now' | 'signal'>;
  batchSize?: number;
}): Promise<RebuildSummary[]> {
  const { context } = options;
  const summaries: RebuildSummary[] = [];
  for (const projection of options.projections) {
    const progress = createProgress({
      out: context.stderr,
      isTTY: context.stderrIsTTY,
      now: context.now,
      label: projection.name,
    });
    const startedAt = context.now();
    let result: RebuildResult;
    try {
      result = await rebuildProjection({
        db: options.db,
        store: options.store,
        projection,
        registry: options.registry ?? productRegistry,
        target: options.into === undefined ? 'swap' : { schema: options.into },
        ...(options.upTo === undefined ? {} : { upTo: options.upTo }),
        ...(options.batchSize === undefined ? {} : { batchSize: options.batchSize }),
        onProgress: ({ read, position, head }) => {
          progress.update({
            done: Number(position.globalPosition),
            total: Number(head),
            count: read,
          });
          // Throwing here stops the rebuild between batches, before anything replaces live tables.
          if (context.signal.aborted) throw interrupted(projection.name);
        },
      });
    } catch (error) {
      if (error instanceof CliError && error.code === 'interrupted') {
        throw interrupted(await leftoverNotice(options.db, projection, options.into));
      }
      throw error;
    } finally {
      progress.finish();
    }
    summaries.push({
      ...result,
      projection: projection.name,
      durationMs: context.now() - startedAt,
    });
  }
  return summaries;
}

export const rebuildCommand: Command = {
  name: 'rebuild',
  summary: "rebuild a service's projections from the log",
  help: `Usage: mediabot rebuild <service> [--projection NAME] [--up-to N] [--into SCHEMA] [--yes]

Rebuilds the projections that services/<service>/package.json declares ("mediabot":
{ "projections": "./src/projections.ts" }) by replaying the log into a fresh schema. By default
the result then replaces the live tables and moves the live checkpoint, in one transaction; a
running service goes on from there.

Options:
  --projection NAME    only this projection (see \`mediabot projections\`)
  --up-to N            replay only up to global position N
  --into SCHEMA        leave the result in SCHEMA (dropped first if it exists) instead of
                       replacing the live tables: to compare, or to look at the past
  --yes                do not ask before replacing live tables or dropping SCHEMA
${databaseUrlHelp}`,
  async run(argv, context) {
    const { values, positionals } = parseCommandLine(
      'rebuild',
      argv,
      {
        ...databaseUrlOption,
        projection: { type: 'string' },
        'up-to': { type: 'string' },
        into: { type: 'string' },
        yes: { type: 'boolean' },
      },
      { min: 1, max: 1 },
    );
    if (values.help) {
      context.stdout.write(`${rebuildCommand.help}\n`);
      return 0;
    }
    const service = positionals[0]!;
    const upTo = parsePosition(values['up-to'], 'up-to', 'rebuild');
    const { into } = values;
    const declared = (await loadServiceProjections(findRepoRoot(context.cwd), service)).projections;
    const projections =
      values.projection === undefined
        ? declared
        : declared.filter((projection) => projection.name === values.projection);
    if (projections.length === 0) {
      throw usageError(
        values.projection === undefined
          ? `Service "${service}" declares no projections.`
          : `Service "${service}" has no projection "${values.projection}" (it has: ${declared.map((p) => p.name).join(', ')}).`,
        'rebuild',
      );
    }
    if (into !== undefined) {
      if (!/^[a-z_][a-z0-9_]*$/.test(into) || into.startsWith('pg_') || reservedSchemas.has(into)) {
        throw usageError(`--into needs a schema name of your own, not "${into}".`, 'rebuild');
      }
      if (declared.some((projection) => projection.schema === into)) {
        throw usageError(
          `--into ${into} is a live schema; leave --into out to replace live tables.`,
          'rebuild',
        );
      }
      if (projections.length > 1) {
        throw usageError(
          `--into takes one projection: add --projection (one of ${projections.map((p) => p.name).join(', ')}).`,
          'rebuild',
        );
      }
    }

    const summaries = await withDatabase(
      databaseUrlFrom(values['database-url'], context.env),
      async ({ db, store }) => {
        const needsConfirmation = into === undefined || (await schemaExists(db, into));
        if (needsConfirmation) {
          const question = `Rebuilding ${projections.map((p) => p.name).join(', ')} ${describeTarget(projections, into)}`;
          if (!(await confirmed(context, question, values.yes ?? false))) {
            throw new CliError('refused', 'Nothing was rebuilt.');
          }
        }
        return rebuildProjections({
          db,
          store,
          projections,
          ...(upTo === undefined ? {} : { upTo }),
          ...(into === undefined ? {} : { into }),
          context,
        });
      },
    );
    for (const summary of summaries) {
      context.stdout.write(
        `${summary.projection}: applied ${formatCount(summary.applied)} of ${formatCount(summary.read)} events read, up to position ${summary.position.globalPosition.toString()}, in ${formatDuration(summary.durationMs)}; ${into === undefined ? `live tables in schema ${summary.schema} replaced` : `result in schema ${summary.schema}`}\n`,
      );
    }
    return 0;
  },
};
