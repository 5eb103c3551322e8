import type { ConfirmChannel, Message } from 'amqplib';
import type { Kysely } from 'kysely';
import { describeError, type RecordedEnvelope } from '@mediabot/contracts';
import {
  acquireSubscriptionLock,
  createCheckpointStore,
  createEventStore,
  listenForAppends,
  logStart,
  positionOf,
  recheckDelayMs,
  samePosition,
  type CheckpointStore,
  type EventStore,
  type LogPosition,
  type SubscriptionLock,
} from '@mediabot/eventstore';
import {
  superviseConnection,
  type ConnectionSource,
  type SessionContext,
  type Supervisor,
} from '../connection/supervisor.ts';
import {
  backoffDelay,
  defaultReconnectBackoff,
  type BackoffOptions,
} from '../connection/backoff.ts';
import { declareExchanges } from '../topology/declare.ts';
import { topologyNames, type TopologyNames } from '../topology/names.ts';
import { aborted, raceAbort, sleep } from '../shared/abort.ts';
import { MessagingError } from '../shared/errors.ts';
import { silentLogger, type MessagingLogger } from '../shared/logger.ts';
import { createWakeup, type Wakeup } from '../shared/wakeup.ts';
import { createConfirmWindow, type ConfirmWindow } from './confirm-window.ts';
import { silentRelayObserver, type RelayObserver } from './observer.ts';
import { toPublication } from './publication.ts';

/** Points where a test can make the relay die (fault injection); nothing else should use them. */
export interface RelayHooks {
  /** Right after an event was handed to the broker, before its confirm can arrive. */
  afterPublish?(event: RecordedEnvelope): void;
  /** All publications up to `next` are confirmed; the checkpoint is about to move there. */
  beforeCheckpoint?(next: LogPosition): void;
}

export interface RelayOptions {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the store spans schemas
  db: Kysely<any>;
  /** For the advisory-lock and LISTEN connections, which must not come from the pool. */
  databaseUrl: string;
  amqp: ConnectionSource;
  prefix?: string;
  /** Checkpoint and lock name; default `relay:<prefix>`. */
  name?: string;
  /** Schema of the relay's checkpoint table; default `relay`. */
  checkpointSchema?: string;
  /** Publications awaiting a broker confirm at most; default 1000. */
  confirmWindow?: number;
  batchSize?: number;
  /** Fallback poll when no append notification arrives; default 1000 ms. */
  pollIntervalMs?: number;
  lockRetryMs?: number;
  reconnect?: BackoffOptions;
  logger?: MessagingLogger;
  observer?: RelayObserver;
  store?: EventStore;
  hooks?: RelayHooks;
}

export interface Relay {
  /** Holds the relay lock and has a live, set-up broker connection. */
  isConnected(): boolean;
  /** Holds the relay lock (only one relay per prefix publishes at a time). */
  isActive(): boolean;
  /** The last checkpoint this instance saved (or loaded). */
  checkpoint(): LogPosition;
  /** Resolves once the checkpoint covers `globalPosition` (for tests and graceful hand-offs). */
  waitForCheckpoint(globalPosition: bigint): Promise<void>;
  stop(): Promise<void>;
}

interface RelayContext {
  db: RelayOptions['db'];
  name: string;
  names: TopologyNames;
  store: EventStore;
  checkpoints: CheckpointStore;
  confirmWindow: number;
  batchSize: number;
  pollIntervalMs: number;
  logger: MessagingLogger;
  observer: RelayObserver;
  hooks: RelayHooks;
  wakeup: Wakeup;
  onCheckpoint(position: LogPosition): void;
}

/**
 * Publishes the event store's global log to the topic exchange, in log order, at least once.
 * The checkpoint moves only over publications the broker confirmed, so a crash anywhere
 * loses nothing; at worst the events after the checkpoint are published again.
 */
export function startRelay(options: RelayOptions): Relay {
  const prefixNames = topologyNames(options.prefix);
  const name = options.name ?? `relay:${options.prefix ?? 'mediabot'}`;
  const logger = options.logger ?? silentLogger;
  const stopping = new AbortController();
  let supervisor: Supervisor | undefined;
  let active = false;
  let checkpoint: LogPosition = logStart;
  const checkpointWaiters = new Set<{ target: bigint; resolve: () => void }>();

  const context: RelayContext = {
    db: options.db,
    name,
    names: prefixNames,
    store: options.store ?? createEventStore(options.db),
    checkpoints: createCheckpointStore(options.checkpointSchema ?? 'relay'),
    confirmWindow: options.confirmWindow ?? 1000,
    batchSize: options.batchSize ?? 500,
    pollIntervalMs: options.pollIntervalMs ?? 1000,
    logger,
    observer: options.observer ?? silentRelayObserver,
    hooks: options.hooks ?? {},
    wakeup: createWakeup(),
    onCheckpoint(position) {
      checkpoint = position;
      for (const waiter of checkpointWaiters) {
        if (position.globalPosition >= waiter.target) {
          checkpointWaiters.delete(waiter);
          waiter.resolve();
        }
      }
    },
  };

  const retryDatabase = async (what: string, attempt: number, error: unknown) => {
    logger.warn({ relay: name, error: describeError(error) }, `Relay could not ${what}; retrying`);
    await sleep(
      backoffDelay(attempt, options.reconnect ?? defaultReconnectBackoff),
      stopping.signal,
    );
  };

  const acquireLock = async (): Promise<SubscriptionLock | undefined> => {
    for (let attempt = 1; !stopping.signal.aborted; attempt++) {
      try {
        await context.checkpoints.ensure(options.db);
        return await acquireSubscriptionLock(options.databaseUrl, name, {
          signal: stopping.signal,
          ...(options.lockRetryMs === undefined ? {} : { retryMs: options.lockRetryMs }),
        });
      } catch (error) {
        if (stopping.signal.aborted) return undefined;
        await retryDatabase('take its lock', attempt, error);
      }
    }
    return undefined;
  };

  const runWhileHoldingLock = async (lock: SubscriptionLock) => {
    active = true;
    logger.info({ relay: name }, 'Relay lock acquired; publishing');
    const listener = await listenForAppends(options.databaseUrl, () => context.wakeup.notify());
    const current = superviseConnection({
      source: options.amqp,
      name,
      logger,
      session: (session) => publishLog(session, context),
      ...(options.reconnect === undefined ? {} : { backoff: options.reconnect }),
    });
    supervisor = current;
    const lockLost = await Promise.race([
      lock.lost.then(() => true),
      aborted(stopping.signal).then(() => false),
    ]);
    if (lockLost)
      logger.warn(
        { relay: name },
        'Relay lost its lock (database connection ended); stepping down',
      );
    supervisor = undefined;
    active = false;
    await current.stop();
    await listener.close();
    await lock.release();
  };

  const run = async () => {
    while (!stopping.signal.aborted) {
      const lock = await acquireLock();
      if (!lock) return;
      await runWhileHoldingLock(lock);
    }
  };

  const running = run().catch((error: unknown) =>
    logger.error(
      { relay: name, error: describeError(error) },
      'Relay stopped on an unexpected error',
    ),
  );
  return {
    isConnected: () => active && (supervisor?.isConnected() ?? false),
    isActive: () => active,
    checkpoint: () => checkpoint,
    waitForCheckpoint(globalPosition) {
      if (checkpoint.globalPosition >= globalPosition) return Promise.resolve();
      return new Promise((resolve) => checkpointWaiters.add({ target: globalPosition, resolve }));
    },
    async stop() {
      stopping.abort();
      await running;
    },
  };
}

/** One broker session: publish from the stored checkpoint until the connection or the relay ends. */
async function publishLog(session: SessionContext, context: RelayContext): Promise<void> {
  const channel = await session.connection.createConfirmChannel();
  const channelClosed = new AbortController();
  channel.on('error', (error: Error) =>
    context.logger.warn({ relay: context.name, error: error.message }, 'Relay channel error'),
  );
  channel.on('close', () => channelClosed.abort());
  channel.on('return', (message: Message) => {
    const type = message.properties.type as string | undefined;
    context.logger.warn(
      { relay: context.name, type, messageId: message.properties.messageId as string | undefined },
      'Event returned as unroutable: no queue is bound for its type',
    );
    context.observer.unroutable({
      type: type ?? message.fields.routingKey,
      messageId: message.properties.messageId as string | undefined,
    });
  });
  const signal = AbortSignal.any([session.signal, channelClosed.signal]);
  await declareExchanges(channel, context.names);

  let saved = await context.checkpoints.load(context.db, context.name);
  context.onCheckpoint(saved);
  // Report the loaded checkpoint at once: an idle relay would otherwise show 0 after a restart,
  // which reads as the whole log being unpublished.
  context.observer.checkpointed({ globalPosition: saved.globalPosition });
  session.markReady();
  const window = createConfirmWindow(context.confirmWindow);
  let readFrom = saved;
  let recheckMs = 0;
  try {
    while (!signal.aborted) {
      const events = await context.store.readAll({ after: readFrom, limit: context.batchSize });
      for (const event of events) {
        await untilAborted(window.waitForSlot(), signal);
        await publishEvent(channel, event, window, context, signal);
        readFrom = positionOf(event);
      }
      // Caught up: wait for the last confirms so the checkpoint reaches the head before idling.
      if (events.length < context.batchSize) await untilAborted(window.waitForAll(), signal);
      saved = await saveCheckpoint(saved, window.takeConfirmedPrefix(), context);
      if (events.length > 0) {
        recheckMs = 0;
        continue;
      }
      recheckMs = await recheckDelayMs(context.store, recheckMs, context.pollIntervalMs);
      await context.wakeup.wait(recheckMs || context.pollIntervalMs, signal);
    }
  } finally {
    await channel.close().catch(() => {});
  }
}

async function publishEvent(
  channel: ConfirmChannel,
  event: RecordedEnvelope,
  window: ConfirmWindow,
  context: RelayContext,
  signal: AbortSignal,
): Promise<void> {
  const publication = toPublication(event);
  const pending = window.track(positionOf(event));
  const flowing = channel.publish(
    context.names.eventExchange,
    publication.routingKey,
    publication.content,
    publication.options,
    (error) => {
      if (error)
        pending.fail(
          new MessagingError('publish_nacked', `Broker did not confirm event ${event.eventId}`, {
            cause: error,
          }),
        );
      else pending.confirm();
    },
  );
  context.observer.published({ type: event.type });
  context.hooks.afterPublish?.(event);
  if (!flowing)
    await untilAborted(
      new Promise<void>((resolve) => channel.once('drain', () => resolve())),
      signal,
    );
}

async function saveCheckpoint(
  saved: LogPosition,
  next: LogPosition | undefined,
  context: RelayContext,
): Promise<LogPosition> {
  if (next === undefined || samePosition(next, saved)) return saved;
  context.hooks.beforeCheckpoint?.(next);
  if (!(await context.checkpoints.save(context.db, context.name, saved, next))) {
    throw new MessagingError(
      'checkpoint_moved',
      `Checkpoint ${context.name} was moved by someone else; reloading it`,
    );
  }
  context.onCheckpoint(next);
  context.observer.checkpointed({ globalPosition: next.globalPosition });
  return next;
}

function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return raceAbort(
    work,
    signal,
    () => new MessagingError('channel_closed', 'Relay session ended while waiting for the broker'),
  );
}
