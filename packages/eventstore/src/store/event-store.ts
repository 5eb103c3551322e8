import type { AnyDatabase } from './database.ts';
import { sql } from 'kysely';
import type { Envelope, EventMetadata, RecordedEnvelope } from '@mediabot/contracts';
import { appendedChannel } from '../schema/migrations.ts';
import { appendNoticeFor } from './append-notice.ts';
import { EventStoreError, wrongExpectedVersion } from './errors.ts';
import type { LogPosition } from './position.ts';

/** `no_stream`: the stream must not exist yet. A bigint: the stream's current version (its event count). */
export type ExpectedVersion = 'no_stream' | bigint;

export interface AppendResult {
  nextExpectedVersion: bigint;
  lastGlobalPosition: bigint;
  /** True when these very event ids were already in the stream: a retried append, not a conflict. */
  alreadyAppended: boolean;
}

export interface ReadAllOptions {
  after: LogPosition;
  limit: number;
  /** Read nothing past this global position (used to rebuild "up to" a point). */
  upTo?: bigint;
}

export interface EventStore {
  append(
    streamId: string,
    events: readonly Envelope[],
    options: { expectedVersion: ExpectedVersion },
  ): Promise<AppendResult>;
  readStream(
    streamId: string,
    options?: { fromVersion?: bigint; maxCount?: number },
  ): Promise<RecordedEnvelope[]>;
  readAll(options: ReadAllOptions): Promise<RecordedEnvelope[]>;
  streamVersion(streamId: string): Promise<bigint | null>;
  /** The highest global position that readers can see now. */
  headPosition(): Promise<bigint>;
  /**
   * True when committed events exist that readAll does not return yet, because an older
   * transaction on the server is still open (they are at or above the snapshot's xmin). A reader
   * that found nothing should then look again shortly rather than wait for the next wake-up:
   * the notice for those events has already been sent.
   */
  hasEventsBeyondHorizon(): Promise<boolean>;
}

interface EventRow {
  global_position: string;
  transaction_id: string;
  event_id: string;
  stream_id: string;
  stream_version: string;
  type: string;
  schema_version: number;
  data: unknown;
  metadata: EventMetadata;
  occurred_at: Date;
}

export function toRecordedEnvelope(row: EventRow): RecordedEnvelope {
  return {
    eventId: row.event_id,
    type: row.type,
    version: row.schema_version,
    streamId: row.stream_id,
    occurredAt: row.occurred_at.toISOString(),
    correlationId: row.metadata.correlationId,
    causationId: row.metadata.causationId,
    actor: row.metadata.actor,
    traceContext: row.metadata.traceContext,
    data: row.data,
    globalPosition: BigInt(row.global_position),
    transactionId: BigInt(row.transaction_id),
    streamVersion: BigInt(row.stream_version),
  };
}

const eventColumns = sql.raw(
  'global_position, transaction_id::text as transaction_id, event_id, stream_id, stream_version, type, schema_version, data, metadata, occurred_at',
);

function toDocuments(events: readonly Envelope[]): string {
  return JSON.stringify(
    events.map((event) => ({
      event_id: event.eventId,
      type: event.type,
      schema_version: event.version,
      data: event.data,
      metadata: {
        correlationId: event.correlationId,
        causationId: event.causationId,
        actor: event.actor,
        traceContext: event.traceContext,
      } satisfies EventMetadata,
      occurred_at: event.occurredAt,
    })),
  );
}

/**
 * On a database handle, readers are woken after each append commits (coalesced, see
 * append-notice). On a caller's transaction, the append notifies inside that transaction, so the
 * notice goes out when the caller commits, and not at all if it rolls back.
 */
export function createEventStore(
  db: AnyDatabase,
  options: {
    /** False for bulk loads whose readers start afterwards (benchmarks, imports); default true. */
    wakeReaders?: boolean;
  } = {},
): EventStore {
  const wakeReaders = options.wakeReaders ?? true;
  const notice = wakeReaders && !db.isTransaction ? appendNoticeFor(db) : undefined;
  const notifyInStatement =
    wakeReaders && db.isTransaction ? sql`, pg_notify(${appendedChannel}, '') as notified` : sql``;
  async function recognisePriorAppend(
    streamId: string,
    events: readonly Envelope[],
    expected: string,
  ): Promise<AppendResult> {
    const ids = events.map((event) => event.eventId);
    const { rows } = await sql<{
      stream_id: string;
      stream_version: string;
      global_position: string;
    }>`
      select stream_id, stream_version, global_position from eventstore.events
      where event_id = any(${ids}::uuid[])`.execute(db);
    if (rows.length === ids.length && rows.every((row) => row.stream_id === streamId)) {
      const max = (values: bigint[]) => values.reduce((a, b) => (b > a ? b : a), 0n);
      return {
        nextExpectedVersion: max(rows.map((row) => BigInt(row.stream_version))),
        lastGlobalPosition: max(rows.map((row) => BigInt(row.global_position))),
        alreadyAppended: true,
      };
    }
    throw wrongExpectedVersion(streamId, expected, await store.streamVersion(streamId));
  }

  const store: EventStore = {
    async append(streamId, events, { expectedVersion }) {
      if (events.length === 0) {
        throw new EventStoreError('empty_append', `Nothing to append to ${streamId}`, {
          retryable: false,
        });
      }
      const count = events.length;
      const documents = toDocuments(events);
      const startsNewStream = expectedVersion === 'no_stream' || expectedVersion === 0n;
      const baseVersion = startsNewStream ? 0n : expectedVersion;
      // One statement, one round trip. The stream row is claimed first (insert for a new stream,
      // compare-and-set update otherwise); the events insert reads from that claim, so a loser
      // inserts nothing and takes no global position.
      const claimStream = startsNewStream
        ? sql`insert into eventstore.streams (stream_id, version) values (${streamId}, ${count})
              on conflict (stream_id) do nothing returning version`
        : sql`update eventstore.streams set version = version + ${count}, updated_at = now()
              where stream_id = ${streamId} and version = ${baseVersion.toString()}::bigint returning version`;
      try {
        const { rows } = await sql<{ version: string | null; last_position: string | null }>`
          with claimed as (${claimStream}),
          appended as (
            insert into eventstore.events
              (event_id, stream_id, stream_version, type, schema_version, data, metadata, occurred_at)
            select (doc->>'event_id')::uuid, ${streamId}, ${baseVersion.toString()}::bigint + ord,
                   doc->>'type', (doc->>'schema_version')::int, doc->'data', doc->'metadata',
                   (doc->>'occurred_at')::timestamptz
            from claimed, jsonb_array_elements(${documents}::jsonb) with ordinality as e(doc, ord)
            order by ord
            returning global_position
          )
          select (select version::text from claimed) as version,
                 (select max(global_position)::text from appended) as last_position
                 ${notifyInStatement}`.execute(db);
        const row = rows[0];
        if (row?.version == null || row.last_position == null) {
          return await recognisePriorAppend(
            streamId,
            events,
            startsNewStream ? 'no_stream' : baseVersion.toString(),
          );
        }
        notice?.send();
        return {
          nextExpectedVersion: BigInt(row.version),
          lastGlobalPosition: BigInt(row.last_position),
          alreadyAppended: false,
        };
      } catch (error) {
        if (isUniqueViolation(error, 'events_event_id_key')) {
          try {
            return await recognisePriorAppend(
              streamId,
              events,
              startsNewStream ? 'no_stream' : baseVersion.toString(),
            );
          } catch {
            throw new EventStoreError(
              'duplicate_event_id',
              `An event id appended to ${streamId} already exists elsewhere`,
              {
                retryable: false,
                cause: error,
              },
            );
          }
        }
        throw error;
      }
    },

    async readStream(streamId, options = {}) {
      const { rows } = await sql<EventRow>`
        select ${eventColumns} from eventstore.events
        where stream_id = ${streamId} and stream_version >= ${(options.fromVersion ?? 1n).toString()}::bigint
        order by stream_version
        limit ${options.maxCount ?? 1_000_000}`.execute(db);
      return rows.map(toRecordedEnvelope);
    },

    async readAll({ after, limit, upTo }) {
      // Only transactions below the snapshot's xmin are surely finished: anything at or above it
      // may still commit with a lower global position than what we have already read.
      const { rows } = await sql<EventRow>`
        select ${eventColumns} from eventstore.events
        where (transaction_id, global_position) > (${after.transactionId.toString()}::xid8, ${after.globalPosition.toString()}::bigint)
          and transaction_id < pg_snapshot_xmin(pg_current_snapshot())
          ${upTo === undefined ? sql`` : sql`and global_position <= ${upTo.toString()}::bigint`}
        order by eventstore.events.transaction_id, eventstore.events.global_position
        limit ${limit}`.execute(db);
      return rows.map(toRecordedEnvelope);
    },

    async streamVersion(streamId) {
      const { rows } = await sql<{ version: string }>`
        select version::text as version from eventstore.streams where stream_id = ${streamId}`.execute(
        db,
      );
      return rows[0] ? BigInt(rows[0].version) : null;
    },

    async headPosition() {
      const { rows } = await sql<{ head: string | null }>`
        select max(global_position)::text as head from eventstore.events
        where transaction_id < pg_snapshot_xmin(pg_current_snapshot())`.execute(db);
      return BigInt(rows[0]?.head ?? 0);
    },

    async hasEventsBeyondHorizon() {
      const { rows } = await sql<{ beyond: boolean }>`
        select exists (
          select 1 from eventstore.events
          where transaction_id >= pg_snapshot_xmin(pg_current_snapshot())
        ) as beyond`.execute(db);
      return rows[0]?.beyond ?? false;
    },
  };
  return store;
}

function isUniqueViolation(error: unknown, constraint: string): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { code?: string }).code === '23505' &&
    (error as { constraint?: string }).constraint === constraint
  );
}
