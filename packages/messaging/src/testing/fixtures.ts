import { AsyncLocalStorage } from 'node:async_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { ROOT_CONTEXT, type Context, type ContextManager } from '@opentelemetry/api';
import amqp, {
  type ChannelModel,
  type ConfirmChannel,
  type GetMessage,
  type Message,
} from 'amqplib';
import { sql, type Kysely } from 'kysely';
import { UserRegistered, type Envelope, type RecordedEnvelope } from '@mediabot/contracts';
import type { EventStore } from '@mediabot/eventstore';
import type { MessageHandler } from '../consumer/consumer.ts';
import { toPublication } from '../relay/publication.ts';
import type { MessagingLogger } from '../shared/logger.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- test databases have ad-hoc schemas
type AnyDb = Kysely<any>;

let nextUser = 1;

export function userRegistered(telegramUserId = nextUser++): Envelope {
  return UserRegistered.create(
    {
      telegramUserId,
      username: `user${telegramUserId}`,
      firstName: null,
      languageCode: 'en',
      registeredVia: 'start-command',
    },
    { streamId: `user-${telegramUserId}`, actor: { kind: 'user', id: String(telegramUserId) } },
  );
}

/**
 * Appends `count` UserRegistered events, one stream each. Returns their ids and the global
 * position of the last one (the store's head may lag behind while other transactions run).
 */
export async function appendUsers(
  store: EventStore,
  count: number,
): Promise<{ ids: string[]; lastPosition: bigint }> {
  const ids: string[] = [];
  let lastPosition = 0n;
  for (let index = 0; index < count; index++) {
    const event = userRegistered();
    const result = await store.append(event.streamId, [event], { expectedVersion: 'no_stream' });
    ids.push(event.eventId);
    lastPosition = result.lastGlobalPosition;
  }
  return { ids, lastPosition };
}

export function asRecorded(event: Envelope, globalPosition = 1n): RecordedEnvelope {
  return { ...event, globalPosition, transactionId: 1n, streamVersion: 1n };
}

/** Polls `check` until it returns a value other than undefined/false (for state that has no event to await). */
export async function waitUntil<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  what: string,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await delay(25);
  }
}

/** A projection for tests: how many times each event id changed it (must stay 1). */
export async function createCountsTable(db: AnyDb, schema: string): Promise<void> {
  await sql`create schema if not exists ${sql.id(schema)}`.execute(db);
  await sql`create table if not exists ${sql.table(`${schema}.counts`)} (event_id uuid primary key, times int not null)`.execute(
    db,
  );
}

export function countingHandler(schema: string): MessageHandler {
  return async (message, { trx }) => {
    await sql`insert into ${sql.table(`${schema}.counts`)} (event_id, times) values (${message.eventId}::uuid, 1)
      on conflict (event_id) do update set times = ${sql.table(`${schema}.counts`)}.times + 1`.execute(
      trx,
    );
  };
}

export async function readCounts(db: AnyDb, schema: string): Promise<Map<string, number>> {
  const { rows } = await sql<{
    event_id: string;
    times: number;
  }>`select event_id, times from ${sql.table(`${schema}.counts`)}`.execute(db);
  return new Map(rows.map((row) => [row.event_id, row.times]));
}

export async function inboxSize(db: AnyDb, schema: string, consumer: string): Promise<number> {
  const { rows } = await sql<{
    n: number;
  }>`select count(*)::int as n from ${sql.table(`${schema}.inbox`)} where consumer = ${consumer}`.execute(
    db,
  );
  return rows[0]?.n ?? 0;
}

export interface TestBroker {
  connection: ChannelModel;
  channel: ConfirmChannel;
  /** Publishes an envelope as the relay would, and waits for the confirm. */
  publishEvent(exchange: string, event: Envelope, globalPosition?: bigint): Promise<void>;
  publishRaw(
    exchange: string,
    routingKey: string,
    body: Buffer,
    options?: amqp.Options.Publish,
  ): Promise<void>;
  /** Fetches every message currently ready in `queue` (acknowledging them). */
  drain(queue: string): Promise<GetMessage[]>;
  /** Waits until `count` messages were fetched from `queue` (acknowledging them). */
  collect(queue: string, count: number): Promise<GetMessage[]>;
  /** A server-named exclusive queue bound to `exchange`, recording everything routed to it. */
  tap(exchange: string, pattern?: string): Promise<Message[]>;
  close(): Promise<void>;
}

export async function openTestBroker(url: string): Promise<TestBroker> {
  const connection = await amqp.connect(url);
  const channel = await connection.createConfirmChannel();
  channel.on('error', () => {});
  const confirmed = (publish: (callback: (error: unknown) => void) => void) =>
    new Promise<void>((resolve, reject) =>
      publish((error) => (error ? reject(new Error('publish not confirmed')) : resolve())),
    );
  const drain = async (queue: string) => {
    const messages: GetMessage[] = [];
    for (;;) {
      const message = await channel.get(queue, { noAck: true });
      if (message === false) return messages;
      messages.push(message);
    }
  };
  return {
    connection,
    channel,
    publishEvent(exchange, event, globalPosition = 1n) {
      const publication = toPublication(asRecorded(event, globalPosition));
      return confirmed((callback) =>
        channel.publish(
          exchange,
          publication.routingKey,
          publication.content,
          publication.options,
          callback,
        ),
      );
    },
    publishRaw(exchange, routingKey, body, options = {}) {
      return confirmed((callback) =>
        channel.publish(exchange, routingKey, body, { persistent: true, ...options }, callback),
      );
    },
    drain,
    async collect(queue, count) {
      const messages: GetMessage[] = [];
      await waitUntil(async () => {
        messages.push(...(await drain(queue)));
        return messages.length >= count;
      }, `${count} message(s) in ${queue}`);
      return messages;
    },
    async tap(exchange, pattern = '#') {
      const seen: Message[] = [];
      const { queue } = await channel.assertQueue('', { exclusive: true });
      await channel.bindQueue(queue, exchange, pattern);
      await channel.consume(queue, (message) => message && seen.push(message), {
        noAck: true,
      });
      return seen;
    },
    async close() {
      await connection.close().catch(() => {});
    },
  };
}

/** A logger keeping every line, to wait for what a component says it did. */
export function recordingLogger(): MessagingLogger & {
  lines: { level: string; message: string; details: object }[];
} {
  const lines: { level: string; message: string; details: object }[] = [];
  const at = (level: string) => (details: object, message: string) => {
    lines.push({ level, message, details });
  };
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** What the OTel SDK registers in a service: the active context follows async calls. */
export function asyncContextManager(): ContextManager {
  const storage = new AsyncLocalStorage<Context>();
  const manager: ContextManager = {
    active: () => storage.getStore() ?? ROOT_CONTEXT,
    with: (activeContext, fn, thisArg, ...args) =>
      storage.run(activeContext, () => fn.call(thisArg, ...args)),
    bind: (_context, target) => target,
    enable: () => manager,
    disable: () => {
      storage.disable();
      return manager;
    },
  };
  return manager;
}
