import amqp, { type ChannelModel } from 'amqplib';
import { describeError } from '@mediabot/contracts';
import { sleep } from '../shared/abort.ts';
import type { MessagingLogger } from '../shared/logger.ts';
import { backoffDelay, defaultReconnectBackoff, type BackoffOptions } from './backoff.ts';

/** An AMQP URL, or a function that opens a connection (for custom socket options or tests). */
export type ConnectionSource = string | (() => Promise<ChannelModel>);

export interface SessionContext {
  connection: ChannelModel;
  /** Aborted when the connection is lost or the supervisor stops: the session must wind down. */
  signal: AbortSignal;
  /** Call once the session is set up (topology declared, consuming): readiness turns true, backoff resets. */
  markReady(): void;
}

/**
 * One connection's worth of work. It resolves or rejects when the session is over; the
 * supervisor then closes the connection and, unless stopping, reconnects after a backoff.
 */
export type Session = (context: SessionContext) => Promise<void>;

export interface SupervisorOptions {
  source: ConnectionSource;
  /** Shown in the broker's connection list and in logs. */
  name: string;
  session: Session;
  backoff?: BackoffOptions;
  logger: MessagingLogger;
  random?: () => number;
}

export interface Supervisor {
  /** True while a session is set up on a live connection. */
  isConnected(): boolean;
  /** Resolves the first time a session becomes ready (or when stopped). */
  ready(): Promise<void>;
  /** Ends the current session (its signal aborts), closes the connection and stops reconnecting. */
  stop(): Promise<void>;
}

export function openConnection(source: ConnectionSource, name: string): Promise<ChannelModel> {
  return typeof source === 'string'
    ? amqp.connect(source, { clientProperties: { connection_name: name } })
    : source();
}

export function superviseConnection(options: SupervisorOptions): Supervisor {
  const backoff = options.backoff ?? defaultReconnectBackoff;
  const { logger } = options;
  const stopping = new AbortController();
  let connected = false;
  let resolveFirstReady: () => void = () => {};
  const firstReady = new Promise<void>((resolve) => (resolveFirstReady = resolve));
  stopping.signal.addEventListener('abort', () => resolveFirstReady(), { once: true });

  const runSession = async (connection: ChannelModel, onReady: () => void): Promise<void> => {
    const lost = new AbortController();
    const endSession = (reason: unknown) => {
      connected = false;
      lost.abort(reason);
    };
    const onStop = () => endSession(new Error('stopping'));
    stopping.signal.addEventListener('abort', onStop, { once: true });
    connection.on('error', (error: Error) =>
      logger.warn({ connection: options.name, error: error.message }, 'AMQP connection error'),
    );
    connection.on('close', () => endSession(new Error('AMQP connection closed')));
    connection.on('blocked', (reason: string) =>
      logger.warn({ connection: options.name, reason }, 'AMQP connection blocked by the broker'),
    );
    try {
      await options.session({
        connection,
        signal: lost.signal,
        markReady: () => {
          if (lost.signal.aborted) return;
          connected = true;
          onReady();
        },
      });
    } finally {
      stopping.signal.removeEventListener('abort', onStop);
      connected = false;
      await connection.close().catch(() => {});
    }
  };

  const loop = async () => {
    let attempt = 0;
    while (!stopping.signal.aborted) {
      try {
        const connection = await openConnection(options.source, options.name);
        logger.info({ connection: options.name }, 'AMQP connected');
        await runSession(connection, () => {
          attempt = 0;
          resolveFirstReady();
        });
        if (!stopping.signal.aborted)
          logger.warn({ connection: options.name }, 'AMQP session ended; reconnecting');
      } catch (error) {
        if (stopping.signal.aborted) break;
        logger.warn(
          { connection: options.name, error: describeError(error) },
          'AMQP session failed; reconnecting',
        );
      }
      if (stopping.signal.aborted) break;
      attempt += 1;
      await sleep(backoffDelay(attempt, backoff, options.random), stopping.signal);
    }
  };

  const running = loop();
  return {
    isConnected: () => connected,
    ready: () => firstReady,
    async stop() {
      stopping.abort();
      await running;
    },
  };
}
