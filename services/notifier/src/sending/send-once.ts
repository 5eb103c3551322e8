import { sql } from 'kysely';
import { AppError, describeError } from '@mediabot/contracts';
import { TelegramCallError } from '../telegram/telegram-errors.ts';
import type { NotifierDb } from '../state/tables.ts';

export interface SentMessage {
  kind: 'sent';
  messageId: number;
  fileId: string | null;
  /** When the send completed; stable across redeliveries (deterministic event ids derive from it). */
  completedAt: Date;
  /** False when an earlier handling of the same key had sent it already. */
  sentNow: boolean;
}

/** An earlier attempt ended without an answer and the caller chose not to risk a second message. */
export interface UnknownOutcome {
  kind: 'unknown';
}

export interface SendOnceRequest {
  /** One per message that must exist at most once, e.g. `reply:<event id>`, `deliver:<request id>`. */
  key: string;
  chatId: number;
  /**
   * An earlier attempt got no answer (the process died mid-call, the connection dropped):
   * `assume-sent` never risks a duplicate (text), `send-again` never risks a loss (a file).
   */
  ifOutcomeUnknown: 'assume-sent' | 'send-again';
  send(): Promise<{ messageId: number; fileId?: string | null }>;
}

export interface SentMessages {
  sendOnce(request: SendOnceRequest): Promise<SentMessage | UnknownOutcome>;
}

export interface SentMessagesOptions {
  /** How often a running send proves it is alive. */
  heartbeatMs?: number;
  /** A 'sending' row without a heartbeat for this long belongs to a send that died. */
  staleAfterMs?: number;
}

type Claim =
  { kind: 'claimed' } | { kind: 'done'; outcome: SentMessage | UnknownOutcome } | { kind: 'busy' };

/**
 * Idempotent sending: the key is reserved in a committed row (state 'sending') before the Bot API
 * call and completed after it, so a redelivered event finds the row and sends nothing again.
 * Rows are written outside any handler transaction, so they survive the handler's rollback.
 */
export function createSentMessages(
  db: NotifierDb,
  options: SentMessagesOptions = {},
): SentMessages {
  const heartbeatMs = options.heartbeatMs ?? 5_000;
  const staleAfterMs = options.staleAfterMs ?? 20_000;

  async function claim(request: SendOnceRequest): Promise<Claim> {
    const inserted = await db
      .insertInto('sent_messages')
      .values({ idempotency_key: request.key, chat_id: request.chatId, state: 'sending' })
      .onConflict((conflict) => conflict.column('idempotency_key').doNothing())
      .returning('idempotency_key')
      .executeTakeFirst();
    if (inserted) return { kind: 'claimed' };

    const row = await db
      .selectFrom('sent_messages')
      .select([
        'state',
        'telegram_message_id',
        'telegram_file_id',
        'completed_at',
        'attempts',
        sql<boolean>`heartbeat_at < now() - make_interval(secs => ${staleAfterMs / 1000})`.as(
          'stale',
        ),
      ])
      .where('idempotency_key', '=', request.key)
      .executeTakeFirstOrThrow();

    if (row.state === 'sent' && row.telegram_message_id !== null) {
      return {
        kind: 'done',
        outcome: {
          kind: 'sent',
          messageId: row.telegram_message_id,
          fileId: row.telegram_file_id,
          completedAt: row.completed_at ?? new Date(0),
          sentNow: false,
        },
      };
    }
    const retake = (fromState: 'failed' | 'sending' | 'unknown') =>
      db
        .updateTable('sent_messages')
        .set({
          state: 'sending',
          attempts: sql`attempts + 1`,
          heartbeat_at: sql`now()`,
          last_error: null,
        })
        .where('idempotency_key', '=', request.key)
        .where('state', '=', fromState)
        .where('attempts', '=', row.attempts)
        .returning('idempotency_key')
        .executeTakeFirst();

    if (row.state === 'failed')
      return (await retake('failed')) ? { kind: 'claimed' } : { kind: 'busy' };
    if (row.state === 'sending' && !row.stale) return { kind: 'busy' };
    // 'unknown', or 'sending' abandoned by a send that died mid-call.
    if (request.ifOutcomeUnknown === 'send-again') {
      return (await retake(row.state === 'unknown' ? 'unknown' : 'sending'))
        ? { kind: 'claimed' }
        : { kind: 'busy' };
    }
    if (row.state === 'sending') {
      await db
        .updateTable('sent_messages')
        .set({ state: 'unknown', last_error: 'no answer from an earlier attempt' })
        .where('idempotency_key', '=', request.key)
        .where('state', '=', 'sending')
        .where('attempts', '=', row.attempts)
        .execute();
    }
    return { kind: 'done', outcome: { kind: 'unknown' } };
  }

  async function complete(key: string, messageId: number, fileId: string | null): Promise<Date> {
    // The message exists now: insist on recording it, or a redelivery would send it again.
    for (let attempt = 1; ; attempt += 1) {
      try {
        const row = await db
          .updateTable('sent_messages')
          .set({
            state: 'sent',
            telegram_message_id: messageId,
            telegram_file_id: fileId,
            completed_at: sql`now()`,
            heartbeat_at: sql`now()`,
          })
          .where('idempotency_key', '=', key)
          .returning('completed_at')
          .executeTakeFirstOrThrow();
        return row.completed_at ?? new Date();
      } catch (error) {
        if (attempt >= 5) throw error;
        await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
      }
    }
  }

  return {
    async sendOnce(request) {
      const claimed = await claim(request);
      if (claimed.kind === 'done') return claimed.outcome;
      if (claimed.kind === 'busy') {
        throw new AppError('send_in_progress', `Message ${request.key} is being sent elsewhere`, {
          retryable: true,
        });
      }
      const heartbeat = setInterval(() => {
        db.updateTable('sent_messages')
          .set({ heartbeat_at: sql`now()` })
          .where('idempotency_key', '=', request.key)
          .where('state', '=', 'sending')
          .execute()
          .catch(() => undefined);
      }, heartbeatMs);
      heartbeat.unref();
      let sent: { messageId: number; fileId?: string | null };
      try {
        sent = await request.send();
      } catch (error) {
        clearInterval(heartbeat);
        const unknown = error instanceof TelegramCallError && error.outcomeUnknown;
        await db
          .updateTable('sent_messages')
          .set({
            state: unknown && request.ifOutcomeUnknown === 'assume-sent' ? 'unknown' : 'failed',
            last_error: describeError(error).message.slice(0, 500),
          })
          .where('idempotency_key', '=', request.key)
          .where('state', '=', 'sending')
          .execute();
        throw error;
      }
      clearInterval(heartbeat);
      const fileId = sent.fileId ?? null;
      const completedAt = await complete(request.key, sent.messageId, fileId);
      return { kind: 'sent', messageId: sent.messageId, fileId, completedAt, sentNow: true };
    },
  };
}
