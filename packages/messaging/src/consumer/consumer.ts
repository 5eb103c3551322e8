import type { Channel, ConfirmChannel, ConsumeMessage, Options } from 'amqplib';
import { sql, type Kysely, type Transaction } from 'kysely';
import {
  describeError,
  registry as productRegistry,
  type Envelope,
  type MessageRegistry,
} from '@mediabot/contracts';
import {
  superviseConnection,
  type ConnectionSource,
  type SessionContext,
} from '../connection/supervisor.ts';
import type { BackoffOptions } from '../connection/backoff.ts';
import {
  declareConsumerQueues,
  declareExchanges,
  type ConsumerTopology,
} from '../topology/declare.ts';
import {
  consumerIdentity,
  topologyNames,
  type ConsumerQueueNames,
  type TopologyNames,
} from '../topology/names.ts';
import { aborted, sleep } from '../shared/abort.ts';
import { MessagingError } from '../shared/errors.ts';
import { headerNames, headerText, type AmqpHeaders } from '../shared/headers.ts';
import { silentLogger, withFields, type MessagingLogger } from '../shared/logger.ts';
import { decodeMessage } from './decode.ts';
import {
  attemptOf,
  checkRetryPolicy,
  decideAfterFailure,
  defaultRetryDelaysMs,
  type RetryPolicy,
} from './failure-policy.ts';
import { claimInbox, claimInboxBatch } from './inbox.ts';
import { createLimiter } from './limiter.ts';
import { silentHandlingObserver, type HandlingObserver } from './observer.ts';
import { withMessageTrace } from './trace.ts';

export interface DeliveryInfo {
  /** Consumer identity as recorded in the inbox (`consumer` or `consumer.subscription`). */
  consumer: string;
  queue: string;
  messageId: string;
  /** The event type (the routing key is the queue's name when the message comes back from a wait queue). */
  type: string;
  routingKey: string;
  redelivered: boolean;
  /** 1 for the first try, n for the (n-1)th retry. */
  attempt: number;
  /** The event's place in the global log, when the relay published it. */
  globalPosition: bigint | undefined;
}

export interface HandlerContext {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each service brings its own schema
  trx: Transaction<any>;
  delivery: DeliveryInfo;
  logger: MessagingLogger;
}

/** Runs inside the transaction that also records the inbox entry: both commit, or neither. */
export type MessageHandler = (message: Envelope, context: HandlerContext) => Promise<void>;

export interface LongRunningContext {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each service brings its own schema
  db: Kysely<any>;
  delivery: DeliveryInfo;
  logger: MessagingLogger;
  /** Aborted when the delivery can no longer be acknowledged (connection lost, stop timed out). */
  signal: AbortSignal;
}

/**
 * For work too long to hold a database transaction open (a download, an upload): an open
 * transaction would hold back every reader of the event log. It runs outside any transaction
 * after an inbox check; the inbox entry is written when it succeeds. It must be safe to run
 * again for the same message (append with an expected version or deterministic event ids),
 * because a crash before the inbox entry commits redelivers the message.
 */
export type LongRunningHandler = (message: Envelope, context: LongRunningContext) => Promise<void>;

/** Points where a test can make the consumer die (fault injection); nothing else should use them. */
export interface ConsumerHooks {
  /** The handler's transaction committed; the message is not acknowledged yet. */
  afterCommit?(message: Envelope): void;
}

export interface ConsumerOptions {
  amqp: ConnectionSource;
  prefix?: string;
  /** The consuming service, e.g. `downloader`; names its queue `<prefix>.<consumer>`. */
  consumer: string;
  /** A second queue for the same service: `<prefix>.<consumer>.<subscription>`. */
  subscription?: string;
  /** Event types or topic patterns (`identity.*`, `download.#`). */
  bindings: readonly string[];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each service brings its own schema
  db: Kysely<any>;
  /** Schema holding this service's `inbox` table (see ensureInbox). */
  inboxSchema: string;
  /** Exactly one of handler (short, transactional) and longRunningHandler. */
  handler?: MessageHandler | undefined;
  longRunningHandler?: LongRunningHandler | undefined;
  registry?: MessageRegistry;
  /** Unacknowledged messages the broker may push at once; default 10. */
  prefetch?: number;
  /** Handlers (or batches) running at once; default 1, which keeps the queue's order. */
  concurrency?: number;
  /**
   * With a transactional handler: the most deliveries settled in one database transaction
   * (one inbox insert, each handler in turn, one commit, then the acks); default 50 with a
   * concurrency of 1, else 1 (concurrent batches could deadlock on the rows they lock); 1 turns
   * batching off. A batch holds whatever has arrived while the previous one ran, so it adds no
   * wait. If anything in a batch fails, the batch rolls back and its deliveries are settled one
   * by one, so one bad message still gets its own retry or dead-letter.
   */
  batchSize?: number;
  /**
   * Sent as the `x-consumer-timeout` consumer argument, honoured by RabbitMQ 3.12+. RabbitMQ
   * 3.10 ignores it and applies the broker-wide `consumer_timeout` (rabbitmq.conf, default
   * 30 min): raise that on the broker for long handlers.
   */
  consumerTimeoutMs?: number;
  /** Waits between attempts, each through a TTL wait queue; default 1s, 4s, 16s, 64s. */
  retryDelaysMs?: readonly number[];
  /** Attempts in all before the dead-letter queue; default one more than the retry delays. */
  maxAttempts?: number;
  /** Deliveries (crashes included) after which the broker dead-letters a message itself; default 20. */
  deliveryLimit?: number;
  /** How long stop() waits for running handlers; default 30 s. */
  stopTimeoutMs?: number;
  reconnect?: BackoffOptions;
  observer?: HandlingObserver;
  logger?: MessagingLogger;
  now?: () => number;
  hooks?: ConsumerHooks;
}

export interface Consumer {
  readonly queues: ConsumerQueueNames;
  /** True while consuming on a live connection (readiness). */
  isConnected(): boolean;
  /** Resolves once the topology is declared and consuming started for the first time. */
  ready(): Promise<void>;
  /** Cancels consuming, waits for running handlers (bounded by stopTimeoutMs), then disconnects. */
  stop(): Promise<void>;
}

interface ConsumerState {
  options: ConsumerOptions;
  identity: string;
  names: TopologyNames;
  queues: ConsumerQueueNames;
  topology: ConsumerTopology;
  policy: RetryPolicy;
  registry: MessageRegistry;
  observer: HandlingObserver;
  logger: MessagingLogger;
  now: () => number;
  limit: <T>(task: () => Promise<T>) => Promise<T>;
  batchSize: number;
  /** Deliveries waiting for a batch (transactional handlers with batching on). */
  waiting: Delivered[];
  batchesRunning: number;
  batchScheduled: boolean;
  inFlight: Set<Promise<void>>;
  stopping: boolean;
  /** Aborted when stop() gives up waiting for running handlers. */
  stopDeadline: AbortController;
  active: { channel: Channel; consumerTag: string } | undefined;
}

interface Delivered {
  message: ConsumeMessage;
  channels: Channels;
}

interface Decoded extends Delivered {
  envelope: Envelope;
  delivery: DeliveryInfo;
  headers: AmqpHeaders | undefined;
}

interface Channels {
  consume: Channel;
  publish: ConfirmChannel;
  /** Aborted when either channel closes: deliveries of this session can no longer be acknowledged. */
  closed: AbortSignal;
}

export function startConsumer(options: ConsumerOptions): Consumer {
  if ((options.handler === undefined) === (options.longRunningHandler === undefined)) {
    throw new MessagingError(
      'invalid_options',
      'Give a consumer exactly one of handler and longRunningHandler',
    );
  }
  const names = topologyNames(options.prefix);
  const retryDelaysMs = options.retryDelaysMs ?? defaultRetryDelaysMs;
  const policy = checkRetryPolicy({
    retryDelaysMs,
    maxAttempts: options.maxAttempts ?? retryDelaysMs.length + 1,
  });
  const identity = consumerIdentity(options.consumer, options.subscription);
  const logger = withFields(options.logger ?? silentLogger, { consumer: identity });
  const topology: ConsumerTopology = {
    consumer: options.consumer,
    ...(options.subscription === undefined ? {} : { subscription: options.subscription }),
    bindings: options.bindings,
    retryDelaysMs: policy.maxAttempts > 1 ? policy.retryDelaysMs : [],
    deliveryLimit: options.deliveryLimit ?? 20,
  };
  const state: ConsumerState = {
    options,
    identity,
    names,
    queues: names.consumer(options.consumer, options.subscription),
    topology,
    policy,
    registry: options.registry ?? productRegistry,
    observer: options.observer ?? silentHandlingObserver,
    logger,
    now: options.now ?? Date.now,
    limit: createLimiter(options.concurrency ?? 1),
    batchSize: batchSizeOf(options),
    waiting: [],
    batchesRunning: 0,
    batchScheduled: false,
    inFlight: new Set(),
    stopping: false,
    stopDeadline: new AbortController(),
    active: undefined,
  };
  const supervisor = superviseConnection({
    source: options.amqp,
    name: `consumer:${identity}`,
    logger,
    session: (session) => consume(session, state),
    ...(options.reconnect === undefined ? {} : { backoff: options.reconnect }),
  });

  return {
    queues: state.queues,
    isConnected: () => supervisor.isConnected() && state.active !== undefined,
    ready: () => supervisor.ready(),
    async stop() {
      state.stopping = true;
      const active = state.active;
      if (active) await active.channel.cancel(active.consumerTag).catch(() => {});
      const drained = Promise.allSettled([...state.inFlight]).then(() => true);
      const inTime = await Promise.race([
        drained,
        sleep(options.stopTimeoutMs ?? 30_000).then(() => false),
      ]);
      if (!inTime) state.stopDeadline.abort();
      if (!inTime)
        logger.warn(
          { running: state.inFlight.size },
          'Stopping with handlers still running; their messages will be redelivered',
        );
      await supervisor.stop();
    },
  };
}

/** One broker session: declare the topology, consume until the connection or the consumer ends. */
async function consume(session: SessionContext, state: ConsumerState): Promise<void> {
  const closed = new AbortController();
  const channels: Channels = {
    consume: await session.connection.createChannel(),
    publish: await session.connection.createConfirmChannel(),
    closed: closed.signal,
  };
  for (const channel of [channels.consume, channels.publish]) {
    channel.on('error', (error: Error) =>
      state.logger.warn({ error: error.message }, 'Consumer channel error'),
    );
    channel.on('close', () => closed.abort());
  }
  try {
    await declareExchanges(channels.consume, state.names);
    await declareConsumerQueues(channels.consume, state.names, state.topology);
    await channels.consume.prefetch(state.options.prefetch ?? 10);
    const consumerTimeout = state.options.consumerTimeoutMs;
    const { consumerTag } = await channels.consume.consume(
      state.queues.queue,
      (message) => {
        if (message === null) {
          state.logger.warn({}, 'Broker cancelled the consumer (queue deleted?); reconnecting');
          closed.abort();
        } else {
          onDelivery(message, channels, state);
        }
      },
      consumerTimeout === undefined ? {} : { arguments: { 'x-consumer-timeout': consumerTimeout } },
    );
    if (state.stopping) return;
    state.active = { channel: channels.consume, consumerTag };
    session.markReady();
    state.logger.info({ queue: state.queues.queue }, 'Consuming');
    await aborted(AbortSignal.any([session.signal, closed.signal]));
  } finally {
    state.active = undefined;
    await channels.consume.close().catch(() => {});
    await channels.publish.close().catch(() => {});
  }
}

function batchSizeOf(options: ConsumerOptions): number {
  // Concurrent batches would lock rows (say, cache entries FOR UPDATE) in their own arrival
  // orders and could deadlock each other: a concurrent consumer batches only when asked to.
  const defaultSize = (options.concurrency ?? 1) > 1 ? 1 : 50;
  const size = options.longRunningHandler ? 1 : (options.batchSize ?? defaultSize);
  if (!Number.isInteger(size) || size < 1)
    throw new MessagingError('invalid_options', `Batch size ${size} must be a positive integer`);
  return size;
}

function onDelivery(message: ConsumeMessage, channels: Channels, state: ConsumerState): void {
  // Left unacknowledged when stopping or disconnected: the broker returns it to the queue.
  const skip = () => state.stopping || channels.closed.aborted;
  if (skip()) return;
  if (state.batchSize > 1) {
    state.waiting.push({ message, channels });
    // Deliveries read from the socket together arrive in one turn of the event loop: let them
    // all join the batch rather than starting it with the first.
    if (!state.batchScheduled) {
      state.batchScheduled = true;
      setImmediate(() => {
        state.batchScheduled = false;
        startBatches(state);
      });
    }
    return;
  }
  const settled = state
    .limit(() => (skip() ? Promise.resolve() : settleDelivery(message, channels, state)))
    .catch((error: unknown) =>
      state.logger.error(
        { error: describeError(error) },
        'Delivery left unsettled; it will be redelivered',
      ),
    )
    .finally(() => state.inFlight.delete(settled));
  state.inFlight.add(settled);
}

/** Starts batches of waiting deliveries while fewer than `concurrency` run. */
function startBatches(state: ConsumerState): void {
  const concurrency = state.options.concurrency ?? 1;
  while (state.batchesRunning < concurrency && state.waiting.length > 0) {
    if (state.stopping) {
      // Left unacknowledged: the broker returns them to the queue.
      state.waiting.length = 0;
      return;
    }
    const batch = state.waiting
      .splice(0, state.batchSize)
      .filter((item) => !item.channels.closed.aborted);
    if (batch.length === 0) continue;
    state.batchesRunning += 1;
    const settled = settleBatch(batch, state)
      .catch((error: unknown) =>
        state.logger.error(
          { error: describeError(error) },
          'Deliveries left unsettled; they will be redelivered',
        ),
      )
      .finally(() => {
        state.batchesRunning -= 1;
        state.inFlight.delete(settled);
        startBatches(state);
      });
    state.inFlight.add(settled);
  }
}

async function settleDelivery(
  message: ConsumeMessage,
  channels: Channels,
  state: ConsumerState,
): Promise<void> {
  const decoded = await decodeDelivery({ message, channels }, state);
  if (decoded) await settleDecoded(decoded, state);
}

async function settleBatch(batch: Delivered[], state: ConsumerState): Promise<void> {
  const decoded: Decoded[] = [];
  for (const item of batch) {
    const result = await decodeDelivery(item, state);
    if (result) decoded.push(result);
  }
  if (decoded.length === 0) return;
  if (decoded.length === 1) {
    await settleDecoded(decoded[0]!, state);
    return;
  }
  const startedAt = state.now();
  let outcomes: ('handled' | 'duplicate')[];
  try {
    outcomes = await handleBatch(decoded, state);
  } catch (error) {
    state.logger.debug(
      { error: describeError(error), deliveries: decoded.length },
      'Batch rolled back; settling its deliveries one by one',
    );
    for (const item of decoded) {
      if (item.channels.closed.aborted || state.stopDeadline.signal.aborted) return;
      await settleDecoded(item, state);
    }
    return;
  }
  const durationSeconds = (state.now() - startedAt) / 1000 / decoded.length;
  decoded.forEach((item, index) => {
    state.options.hooks?.afterCommit?.(item.envelope);
    acknowledge(item.channels.consume, item.message);
    if (outcomes[index] === 'handled') observeHandled(item, durationSeconds, state);
    else logDuplicate(item.envelope, state);
  });
}

/** Decodes a delivery; one that does not parse goes straight to the dead-letter queue. */
async function decodeDelivery(
  { message, channels }: Delivered,
  state: ConsumerState,
): Promise<Decoded | undefined> {
  const headers = message.properties.headers as AmqpHeaders | undefined;
  const attempt = attemptOf(headers);
  const typeHint = (message.properties.type as string | undefined) ?? message.fields.routingKey;
  let envelope: Envelope;
  try {
    envelope = decodeMessage(message.content, state.registry);
  } catch (error) {
    const { code, message: reason } = describeError(error);
    await publishConfirmed(
      channels.publish,
      state.names.deadLetterExchange,
      state.queues.deadLetterQueue,
      message,
      {
        ...failureHeaders(state, code, reason),
        [headerNames.attempt]: attempt,
      },
    );
    acknowledge(channels.consume, message);
    state.logger.warn(
      {
        type: typeHint,
        messageId: message.properties.messageId as string | undefined,
        code,
        reason,
      },
      'Unparsable message dead-lettered',
    );
    state.observer.failed({ consumer: state.identity, type: typeHint, code, willRetry: false });
    state.observer.deadLettered({ consumer: state.identity, type: typeHint, reason });
    return undefined;
  }

  const delivery: DeliveryInfo = {
    consumer: state.identity,
    queue: state.queues.queue,
    messageId: envelope.eventId,
    type: envelope.type,
    routingKey: message.fields.routingKey,
    redelivered: message.fields.redelivered,
    attempt,
    globalPosition: parsePosition(headerText(headers, headerNames.globalPosition)),
  };
  return { message, channels, envelope, delivery, headers };
}

async function settleDecoded(item: Decoded, state: ConsumerState): Promise<void> {
  const { envelope, delivery, message, channels } = item;
  const startedAt = state.now();
  try {
    const outcome = await withItemTrace(item, state, () =>
      state.options.longRunningHandler
        ? handleLongRunning(state.options.longRunningHandler, envelope, delivery, channels, state)
        : handleOnce(envelope, delivery, state),
    );
    state.options.hooks?.afterCommit?.(envelope);
    acknowledge(channels.consume, message);
    if (outcome === 'duplicate') logDuplicate(envelope, state);
    else observeHandled(item, (state.now() - startedAt) / 1000, state);
  } catch (error) {
    await settleFailure(error, message, delivery, channels, state);
  }
}

function withItemTrace<T>(item: Decoded, state: ConsumerState, work: () => Promise<T>) {
  return withMessageTrace(
    {
      headers: item.headers,
      traceContext: item.envelope.traceContext,
      queue: state.queues.queue,
      messageId: item.envelope.eventId,
      type: item.envelope.type,
    },
    work,
  );
}

function observeHandled(item: Decoded, durationSeconds: number, state: ConsumerState): void {
  state.observer.handled({
    consumer: state.identity,
    type: item.envelope.type,
    durationSeconds,
    lagSeconds: Math.max(0, (state.now() - Date.parse(item.envelope.occurredAt)) / 1000),
  });
}

function logDuplicate(envelope: Envelope, state: ConsumerState): void {
  state.logger.debug(
    { type: envelope.type, eventId: envelope.eventId },
    'Duplicate message skipped (already in the inbox)',
  );
}

async function handleOnce(
  envelope: Envelope,
  delivery: DeliveryInfo,
  state: ConsumerState,
): Promise<'handled' | 'duplicate'> {
  return state.options.db.transaction().execute(async (trx) => {
    const claimed = await claimInbox(trx, state.options.inboxSchema, {
      consumer: state.identity,
      eventId: envelope.eventId,
      eventType: envelope.type,
    });
    if (!claimed) return 'duplicate';
    await state.options.handler?.(envelope, {
      trx,
      delivery,
      logger: handlerLogger(envelope, state),
    });
    return 'handled';
  });
}

/**
 * Settles several deliveries in one transaction: one inbox insert claims them all, the handler
 * runs for each claimed one in delivery order, one commit. A message delivered twice within the
 * batch (the relay may publish an event twice) runs once.
 */
async function handleBatch(
  items: readonly Decoded[],
  state: ConsumerState,
): Promise<('handled' | 'duplicate')[]> {
  return state.options.db.transaction().execute(async (trx) => {
    const claimed = await claimInboxBatch(
      trx,
      state.options.inboxSchema,
      state.identity,
      items.map(({ envelope }) => ({ eventId: envelope.eventId, eventType: envelope.type })),
    );
    const outcomes: ('handled' | 'duplicate')[] = [];
    for (const item of items) {
      const { envelope, delivery } = item;
      if (!claimed.delete(envelope.eventId.toLowerCase())) {
        outcomes.push('duplicate');
        continue;
      }
      await withItemTrace(item, state, async () => {
        await state.options.handler?.(envelope, {
          trx,
          delivery,
          logger: handlerLogger(envelope, state),
        });
      });
      outcomes.push('handled');
    }
    return outcomes;
  });
}

function handlerLogger(envelope: Envelope, state: ConsumerState): MessagingLogger {
  return withFields(state.logger, {
    type: envelope.type,
    eventId: envelope.eventId,
    correlationId: envelope.correlationId,
  });
}

async function handleLongRunning(
  handler: LongRunningHandler,
  envelope: Envelope,
  delivery: DeliveryInfo,
  channels: Channels,
  state: ConsumerState,
): Promise<'handled' | 'duplicate'> {
  const { rows } = await sql<{ found: number }>`
    select 1 as found from ${sql.table(`${state.options.inboxSchema}.inbox`)}
    where consumer = ${state.identity} and event_id = ${envelope.eventId}::uuid`.execute(
    state.options.db,
  );
  if (rows.length > 0) return 'duplicate';
  await handler(envelope, {
    db: state.options.db,
    delivery,
    logger: handlerLogger(envelope, state),
    signal: AbortSignal.any([channels.closed, state.stopDeadline.signal]),
  });
  const claimed = await state.options.db.transaction().execute((trx) =>
    claimInbox(trx, state.options.inboxSchema, {
      consumer: state.identity,
      eventId: envelope.eventId,
      eventType: envelope.type,
    }),
  );
  return claimed ? 'handled' : 'duplicate';
}

async function settleFailure(
  error: unknown,
  message: ConsumeMessage,
  delivery: DeliveryInfo,
  channels: Channels,
  state: ConsumerState,
): Promise<void> {
  const decision = decideAfterFailure(error, delivery.attempt, state.policy);
  const details = {
    type: delivery.type,
    eventId: delivery.messageId,
    attempt: delivery.attempt,
    code: decision.code,
    reason: decision.reason,
  };
  if (decision.kind === 'retry') {
    await publishConfirmed(
      channels.publish,
      '',
      state.queues.retryQueue(decision.delayMs),
      message,
      {
        ...failureHeaders(state, decision.code, decision.reason),
        [headerNames.attempt]: decision.nextAttempt,
      },
    );
    acknowledge(channels.consume, message);
    state.logger.warn(
      { ...details, retryInMs: decision.delayMs },
      'Handler failed; retrying later',
    );
    state.observer.failed({
      consumer: state.identity,
      type: delivery.type,
      code: decision.code,
      willRetry: true,
    });
    return;
  }
  await publishConfirmed(
    channels.publish,
    state.names.deadLetterExchange,
    state.queues.deadLetterQueue,
    message,
    {
      ...failureHeaders(state, decision.code, decision.reason),
      [headerNames.attempt]: delivery.attempt,
    },
  );
  acknowledge(channels.consume, message);
  state.logger.error(details, 'Handler failed; message dead-lettered');
  state.observer.failed({
    consumer: state.identity,
    type: delivery.type,
    code: decision.code,
    willRetry: false,
  });
  state.observer.deadLettered({
    consumer: state.identity,
    type: delivery.type,
    reason: decision.reason,
  });
}

function failureHeaders(state: ConsumerState, code: string, reason: string): AmqpHeaders {
  return {
    [headerNames.consumer]: state.identity,
    [headerNames.errorCode]: code,
    [headerNames.errorMessage]: reason.length > 1000 ? `${reason.slice(0, 997)}...` : reason,
  };
}

/** Re-publishes a delivery (same body and properties, extra headers) and waits for the broker's confirm. */
function publishConfirmed(
  channel: ConfirmChannel,
  exchange: string,
  routingKey: string,
  message: ConsumeMessage,
  extraHeaders: AmqpHeaders,
): Promise<void> {
  const original = message.properties;
  const options: Options.Publish = {
    persistent: true,
    headers: {
      ...(original.headers as AmqpHeaders | undefined),
      [headerNames.originalRoutingKey]: originalRoutingKey(message),
      ...extraHeaders,
    },
  };
  const copy = {
    contentType: original.contentType,
    messageId: original.messageId,
    type: original.type,
    correlationId: original.correlationId,
    appId: original.appId,
  } as Record<string, unknown>;
  for (const [key, value] of Object.entries(copy))
    if (typeof value === 'string') Object.assign(options, { [key]: value });
  if (typeof original.timestamp === 'number') options.timestamp = original.timestamp;
  return new Promise((resolve, reject) => {
    channel.publish(exchange, routingKey, message.content, options, (error) => {
      if (error)
        reject(
          new MessagingError('publish_nacked', `Broker did not confirm the move to ${routingKey}`, {
            cause: error,
          }),
        );
      else resolve();
    });
  });
}

function originalRoutingKey(message: ConsumeMessage): string {
  return (
    headerText(message.properties.headers, headerNames.originalRoutingKey) ??
    message.fields.routingKey
  );
}

/** An ack on a channel that just closed cannot be delivered; the redelivery meets the inbox. */
function acknowledge(channel: Channel, message: ConsumeMessage): void {
  try {
    channel.ack(message);
  } catch {
    // channel closed: the broker requeues the message; the inbox makes its redelivery a no-op
  }
}

function parsePosition(value: string | undefined): bigint | undefined {
  return value !== undefined && /^\d+$/.test(value) ? BigInt(value) : undefined;
}
