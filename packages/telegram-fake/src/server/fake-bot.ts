import { EventEmitter } from 'node:events';
import type { ApiResponse, BotUser, Update } from '../bot-api/types.ts';
import { ChatStore, type TranscriptChange } from '../chats/chat-store.ts';
import { FaultPlan, type FaultEffect } from '../faults/fault-plan.ts';
import { DEFAULT_RATE_LIMITS, RateLimiter, type RateLimitOptions } from '../faults/rate-limiter.ts';
import { FileStore } from '../files/file-store.ts';
import type { Clock } from '../shared/clock.ts';
import { Sequence } from '../shared/sequence.ts';
import { UpdatePoller } from '../updates/long-poll.ts';
import { UpdateQueue } from '../updates/update-queue.ts';
import {
  WebhookDelivery,
  type WebhookAttempt,
  type WebhookReply,
} from '../updates/webhook-delivery.ts';
import type { FakeLimits, FakeTiming, ResolvedOptions } from './options.ts';

export type CallVia = 'http' | 'webhook-reply';

/** One Bot API call the bot made, with what the fake answered. */
export interface BotCall {
  seq: number;
  /** The method's canonical name (sendMessage), whatever case the bot used. */
  method: string;
  /** Arguments as received; uploaded files appear as { upload: { fileName, size } }. */
  params: Record<string, unknown>;
  via: CallVia;
  chatId?: number;
  startedAt: number;
  finishedAt: number;
  httpStatus: number;
  /** Undefined when an injected fault dropped the connection instead of answering. */
  response: ApiResponse | undefined;
  fault?: FaultEffect['kind'];
}

export interface FakeEventMap {
  call: [BotCall];
  update: [Update];
  transcript: [TranscriptChange];
  webhook: [WebhookAttempt];
  /** A getUpdates call found nothing and now waits (long polling). */
  polling: [];
}

export interface BotCommandList {
  commands: { command: string; description: string }[];
}

/** Everything one fake bot has: chats, pending updates, webhook, files, faults and its call log. */
export class FakeBot {
  readonly token: string;
  readonly user: BotUser;
  readonly clock: Clock;
  readonly limits: FakeLimits;
  readonly timing: FakeTiming;
  readonly sequence = new Sequence();
  readonly events = new EventEmitter<FakeEventMap>();
  readonly chats: ChatStore;
  readonly queue: UpdateQueue;
  readonly poller: UpdatePoller;
  readonly webhook: WebhookDelivery;
  readonly files: FileStore;
  readonly faults = new FaultPlan();
  readonly commands = new Map<string, BotCommandList>();
  readonly webhookState: { nextSetAllowedAt: number; ipAddress: string | undefined } = {
    nextSetAllowedAt: 0,
    ipAddress: undefined,
  };
  rateLimiter: RateLimiter | undefined;
  readonly #calls: BotCall[] = [];
  readonly #webhookAttempts: WebhookAttempt[] = [];
  readonly #callLogSize: number;
  #replyHandler: ((reply: WebhookReply) => Promise<void>) | undefined;

  private constructor(options: ResolvedOptions, files: FileStore) {
    this.token = options.token;
    this.clock = options.clock;
    this.limits = options.limits;
    this.timing = options.timing;
    this.files = files;
    this.#callLogSize = options.callLogSize;
    this.user = {
      id: options.bot.id,
      is_bot: true,
      first_name: options.bot.firstName,
      username: options.bot.username,
      can_join_groups: options.bot.canJoinGroups,
      can_read_all_group_messages: options.bot.canReadAllGroupMessages,
      supports_inline_queries: options.bot.supportsInlineQueries,
      can_connect_to_business: false,
      has_main_web_app: false,
    };
    this.events.setMaxListeners(0);
    this.chats = new ChatStore(this.clock, this.sequence, (change) =>
      this.events.emit('transcript', change),
    );
    this.queue = new UpdateQueue(this.clock, options.firstUpdateId);
    this.queue.onPushed((queued) => this.events.emit('update', queued.update));
    this.poller = new UpdatePoller(this.queue, this.clock, this.timing, () =>
      this.events.emit('polling'),
    );
    this.webhook = new WebhookDelivery({
      queue: this.queue,
      clock: this.clock,
      timing: {
        retryUnitMs: this.timing.webhookRetryUnitMs,
        maxRetryUnits: this.timing.webhookMaxRetryUnits,
        requestTimeoutMs: this.timing.webhookTimeoutMs,
      },
      bodyLimits: { maxFileBytes: this.limits.uploadBytes, maxFieldBytes: this.limits.fieldBytes },
      incoming: {
        newIncomingPath: () => files.newIncomingPath(),
        discard: (path) => files.discard(path),
      },
      onReply: (reply) => this.#replyHandler?.(reply) ?? Promise.resolve(),
      onAttempt: (attempt) => {
        this.#webhookAttempts.push(attempt);
        if (this.#webhookAttempts.length > this.#callLogSize) this.#webhookAttempts.shift();
        this.events.emit('webhook', attempt);
      },
    });
    if (options.rateLimit) this.enableRateLimit(options.rateLimit);
  }

  static async create(options: ResolvedOptions): Promise<FakeBot> {
    return new FakeBot(options, await FileStore.open(options.fileDirectory));
  }

  /** The short form of the bot user found in Message.from. */
  get sender(): { id: number; is_bot: true; first_name: string; username: string } {
    return {
      id: this.user.id,
      is_bot: true,
      first_name: this.user.first_name,
      username: this.user.username,
    };
  }

  set replyHandler(handler: (reply: WebhookReply) => Promise<void>) {
    this.#replyHandler = handler;
  }

  enableRateLimit(options: Partial<RateLimitOptions> = {}): void {
    this.rateLimiter = new RateLimiter(this.clock, { ...DEFAULT_RATE_LIMITS, ...options });
  }

  disableRateLimit(): void {
    this.rateLimiter = undefined;
  }

  get calls(): readonly BotCall[] {
    return this.#calls;
  }

  /** Every attempt to deliver an update to the webhook, oldest first. */
  get webhookAttempts(): readonly WebhookAttempt[] {
    return this.#webhookAttempts;
  }

  recordCall(call: Omit<BotCall, 'seq'>): BotCall {
    const recorded: BotCall = { seq: this.sequence.next(), ...call };
    this.#calls.push(recorded);
    if (this.#calls.length > this.#callLogSize) this.#calls.shift();
    this.events.emit('call', recorded);
    return recorded;
  }

  async close(): Promise<void> {
    this.webhook.stop();
    this.poller.close();
    await this.files.close();
  }
}
