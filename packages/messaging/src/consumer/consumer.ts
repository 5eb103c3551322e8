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
import { claimInbox } from './inbox.ts';
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
  /** Handlers running at once; default 1, which keeps the queue's order. */
  concurrency?: number;
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
  inFlight: Set<Promise<void>>;
  stopping: boolean;
  /** Aborted when stop() gives up waiting for running handlers. */
  stopDeadline: AbortController;
  active: { channel: Channel; consumerTag: string } | undefined;
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

function onDelivery(message: ConsumeMessage, channels: Channels, state: ConsumerState): void {
  // Left unacknowledged when stopping or disconnected: the broker returns it to the queue.
  const skip = () => state.stopping || channels.closed.aborted;
  if (skip()) return;
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

async function settleDelivery(
  message: ConsumeMessage,
  channels: Channels,
  state: ConsumerState,
): Promise<void> {
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
    return;
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
  const startedAt = state.now();
  try {
    const outcome = await withMessageTrace(
      {
        headers,
        traceContext: envelope.traceContext,
        queue: state.queues.queue,
        messageId: envelope.eventId,
        type: envelope.type,
      },
      () =>
        state.options.longRunningHandler
          ? handleLongRunning(state.options.longRunningHandler, envelope, delivery, channels, state)
          : handleOnce(envelope, delivery, state),
    );
    state.options.hooks?.afterCommit?.(envelope);
    acknowledge(channels.consume, message);
    if (outcome === 'duplicate') {
      state.logger.debug(
        { type: envelope.type, eventId: envelope.eventId },
        'Duplicate message skipped (already in the inbox)',
      );
      return;
    }
    state.observer.handled({
      consumer: state.identity,
      type: envelope.type,
      durationSeconds: (state.now() - startedAt) / 1000,
      lagSeconds: Math.max(0, (state.now() - Date.parse(envelope.occurredAt)) / 1000),
    });
  } catch (error) {
    await settleFailure(error, message, delivery, channels, state);
  }
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
    const logger = withFields(state.logger, {
      type: envelope.type,
      eventId: envelope.eventId,
      correlationId: envelope.correlationId,
    });
    await state.options.handler?.(envelope, { trx, delivery, logger });
    return 'handled';
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
  const logger = withFields(state.logger, {
    type: envelope.type,
    eventId: envelope.eventId,
    correlationId: envelope.correlationId,
  });
  await handler(envelope, {
    db: state.options.db,
    delivery,
    logger,
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
