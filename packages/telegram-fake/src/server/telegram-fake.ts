import type { EventEmitter } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BotUser, Update, WebhookInfo } from '../bot-api/types.ts';
import type { ChatRecord, TranscriptMessage } from '../chats/chat-store.ts';
import type { FaultPlan } from '../faults/fault-plan.ts';
import type { RateLimitOptions } from '../faults/rate-limiter.ts';
import { webhookInfoOf } from '../methods/webhook-methods.ts';
import { dispatchCall } from './dispatch.ts';
import { FakeBot, type BotCall, type FakeEventMap } from './fake-bot.ts';
import { createRequestHandler } from './http-server.ts';
import { resolveOptions, type TelegramFakeOptions } from './options.ts';

/** A running fake Bot API server for one bot. */
export class TelegramFake {
  /** Base URL, e.g. http://127.0.0.1:40123: pass it as the client's apiRoot. */
  readonly url: string;
  readonly token: string;
  /** The bot's state; the driver and sandbox pages work through it. */
  readonly bot: FakeBot;
  readonly #server: Server;
  #closing: Promise<void> | undefined;

  private constructor(url: string, bot: FakeBot, server: Server) {
    this.url = url;
    this.token = bot.token;
    this.bot = bot;
    this.#server = server;
  }

  static async start(options: TelegramFakeOptions = {}): Promise<TelegramFake> {
    const resolved = resolveOptions(options);
    const bot = await FakeBot.create(resolved);
    bot.replyHandler = async (reply) => {
      await dispatchCall(bot, {
        methodName: reply.method,
        values: reply.values,
        files: reply.files,
        via: 'webhook-reply',
        signal: new AbortController().signal,
        applyFaults: false,
      });
    };
    const server = createServer({ keepAliveTimeout: 65_000 }, createRequestHandler(bot));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(resolved.port, resolved.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address() as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    return new TelegramFake(`http://${host}:${address.port}`, bot, server);
  }

  get apiRoot(): string {
    return this.url;
  }

  get botUser(): BotUser {
    return this.bot.user;
  }

  /** "call" (the bot called a method), "update", "transcript" and "webhook" events. */
  get events(): EventEmitter<FakeEventMap> {
    return this.bot.events;
  }

  get faults(): FaultPlan {
    return this.bot.faults;
  }

  get calls(): readonly BotCall[] {
    return this.bot.calls;
  }

  methodUrl(method: string): string {
    return `${this.url}/bot${this.token}/${method}`;
  }

  fileUrl(filePath: string): string {
    return `${this.url}/file/bot${this.token}/${filePath}`;
  }

  chats(): ChatRecord[] {
    return this.bot.chats.chats();
  }

  transcript(chatId: number): TranscriptMessage[] {
    return this.bot.chats.transcript(chatId);
  }

  pendingUpdates(): Update[] {
    return this.bot.queue.pending().map((item) => item.update);
  }

  webhookInfo(): WebhookInfo {
    return webhookInfoOf(this.bot);
  }

  /** Telegram-like flood control for sending messages: 429 when a chat bursts over ~1/s. */
  enableRateLimit(options?: Partial<RateLimitOptions>): void {
    this.bot.enableRateLimit(options);
  }

  disableRateLimit(): void {
    this.bot.disableRateLimit();
  }

  /** Answers waiting polls, stops webhook delivery, closes connections, removes temporary files. */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    this.bot.poller.close();
    this.bot.webhook.stop();
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeAllConnections();
    await closed;
    await this.bot.close();
  }
}

export const createTelegramFake = (options?: TelegramFakeOptions): Promise<TelegramFake> =>
  TelegramFake.start(options);
