import type {
  InlineKeyboardButton,
  Message,
  MessageEntity,
  MessageOrigin,
  Chat,
  Update,
  User,
} from '../bot-api/types.ts';
import type {
  CallbackAnswer,
  ChatRecord,
  MediaKind,
  TranscriptMessage,
} from '../chats/chat-store.ts';
import type { FileKind } from '../files/file-store.ts';
import { mimeTypeOf } from '../files/mime.ts';
import { withAutoEntities } from '../methods/formatting/auto-entities.ts';
import { mediaFields, shownKind } from '../methods/send-media.ts';
import type { BotCall, FakeBot } from '../server/fake-bot.ts';
import type { WebhookAttempt } from '../updates/webhook-delivery.ts';
import type { TelegramFake } from '../server/telegram-fake.ts';
import { waitUntil } from './wait.ts';

export interface UserSpec {
  id: number;
  first_name: string;
  last_name?: string;
  username?: string;
  language_code?: string;
  is_premium?: true;
}

/** What a simulated user did: the update the bot will receive. */
export interface UserAction {
  update: Update | undefined;
  message: Message;
}

export interface ButtonClick {
  update: Update | undefined;
  callbackQueryId: string;
  data: string;
}

export type ForwardSource =
  | { user: User }
  | { hiddenUserName: string }
  | { channel: Chat; messageId: number; signature?: string };

export interface UserMediaUpload {
  /** The bytes, or the path of a file to copy. */
  content: Uint8Array | { path: string; size: number };
  fileName: string;
  mimeType?: string;
  caption?: string;
  duration?: number;
  width?: number;
  height?: number;
}

export interface WaitOptions {
  timeoutMs?: number;
  /** Only what happened after this sequence number; by default after the last user action. */
  after?: number;
}

const DEFAULT_TIMEOUT_MS = 5000;
const MESSAGE_TTL_SECONDS = 86_400;
const CALLBACK_TTL_SECONDS = 150;

/**
 * Plays the people on the other side of the bot: users write, forward, click buttons, send
 * files; tests then await what the bot did, through its calls or the chat transcript.
 */
export class TelegramDriver {
  readonly fake: TelegramFake;
  #lastActionSeq = 0;

  constructor(fake: TelegramFake) {
    this.fake = fake;
  }

  get bot(): FakeBot {
    return this.fake.bot;
  }

  user(spec: UserSpec): SimulatedUserHandle {
    const { id, ...profile } = spec;
    const user: User = { id, is_bot: false, ...profile };
    this.bot.chats.upsertUser(user);
    return new SimulatedUserHandle(this, user);
  }

  /** The current point in the fake's history, to wait for what comes after it. */
  mark(): number {
    return this.bot.sequence.last;
  }

  /** @internal Called by users before they act, so waits default to "after this". */
  noteAction(): void {
    this.#lastActionSeq = this.bot.sequence.last;
  }

  get calls(): readonly BotCall[] {
    return this.bot.calls;
  }

  transcript(chatId: number): TranscriptMessage[] {
    return this.bot.chats.transcript(chatId);
  }

  waitForBotCall(
    predicate: (call: BotCall) => boolean,
    options: WaitOptions | number = {},
  ): Promise<BotCall> {
    const { timeoutMs, after } = this.#waitOptions(options);
    return waitUntil(
      this.bot.events,
      () => this.bot.calls.find((call) => call.seq > after && predicate(call)),
      timeoutMs,
      () =>
        `a bot call matching ${predicate.toString()}; calls since: ${this.#describeCalls(after)}`,
    );
  }

  /** A message the bot sent (or edited) in a chat, in its current state, matching predicate. */
  waitForMessage(
    chatId: number,
    predicate: (message: Message, entry: TranscriptMessage) => boolean = () => true,
    options: WaitOptions | number = {},
  ): Promise<TranscriptMessage> {
    const { timeoutMs, after } = this.#waitOptions(options);
    return waitUntil(
      this.bot.events,
      () =>
        this.bot.chats
          .transcript(chatId)
          .find(
            (entry) =>
              entry.sender === 'bot' &&
              !entry.deleted &&
              entry.changedSeq > after &&
              predicate(entry.message, entry),
          ),
      timeoutMs,
      () =>
        `a bot message in chat ${chatId} matching ${predicate.toString()}; transcript: ${JSON.stringify(
          this.bot.chats.transcript(chatId).map((entry) => ({
            sender: entry.sender,
            text: entry.message.text ?? entry.message.caption,
            deleted: entry.deleted,
          })),
        )}`,
    );
  }

  /**
   * Resolves once the bot is long polling (a getUpdates waits for updates). Clients such as
   * telegraf report "launched" before their first poll, and may drop pending updates on the way.
   */
  waitForPolling(timeoutMs = DEFAULT_TIMEOUT_MS): Promise<true> {
    return waitUntil(
      this.bot.events,
      () => (this.bot.poller.isWaiting ? true : undefined),
      timeoutMs,
      () => 'the bot to wait in getUpdates',
    );
  }

  /** A delivery attempt to the webhook, e.g. the one confirming an update. */
  waitForWebhookAttempt(
    predicate: (attempt: WebhookAttempt) => boolean,
    timeoutMs = DEFAULT_TIMEOUT_MS,
  ): Promise<WebhookAttempt> {
    return waitUntil(
      this.bot.events,
      () => this.bot.webhookAttempts.find(predicate),
      timeoutMs,
      () =>
        `a webhook attempt matching ${predicate.toString()}; attempts: ${JSON.stringify(this.bot.webhookAttempts.slice(-10))}`,
    );
  }

  waitForCallbackAnswer(
    callbackQueryId: string,
    timeoutMs = DEFAULT_TIMEOUT_MS,
  ): Promise<CallbackAnswer> {
    return waitUntil(
      this.bot.events,
      () => this.bot.chats.callbackQuery(callbackQueryId)?.answer,
      timeoutMs,
      () => `an answer to callback query ${callbackQueryId}`,
    );
  }

  #waitOptions(options: WaitOptions | number): { timeoutMs: number; after: number } {
    const resolved = typeof options === 'number' ? { timeoutMs: options } : options;
    return {
      timeoutMs: resolved.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      after: resolved.after ?? this.#lastActionSeq,
    };
  }

  #describeCalls(after: number): string {
    const calls = this.bot.calls.filter((call) => call.seq > after).slice(-10);
    return JSON.stringify(
      calls.map((call) => ({
        method: call.method,
        chatId: call.chatId,
        ok: call.response?.ok,
        description: call.response && !call.response.ok ? call.response.description : undefined,
      })),
    );
  }
}

export class SimulatedUserHandle {
  readonly user: User;
  readonly #driver: TelegramDriver;

  constructor(driver: TelegramDriver, user: User) {
    this.#driver = driver;
    this.user = user;
  }

  get chatId(): number {
    return this.user.id;
  }

  get #bot(): FakeBot {
    return this.#driver.bot;
  }

  transcript(): TranscriptMessage[] {
    return this.#bot.chats.transcript(this.chatId);
  }

  lastBotMessage(): TranscriptMessage | undefined {
    return this.transcript()
      .filter((entry) => entry.sender === 'bot' && !entry.deleted)
      .at(-1);
  }

  /** Text as a user types it; commands, links and mentions get their entities as on Telegram. */
  sendText(text: string, options: { replyToMessageId?: number } = {}): UserAction {
    return this.#send((base) => ({
      ...base,
      ...this.#replyTo(options.replyToMessageId),
      ...textWithEntities(text),
    }));
  }

  /** A message forwarded from elsewhere: a user, a user hiding their account, or a channel. */
  forwardMessage(text: string, source: ForwardSource, originalDate?: number): UserAction {
    const date = originalDate ?? Math.floor(this.#bot.clock.now() / 1000) - 60;
    let origin: MessageOrigin;
    if ('user' in source) origin = { type: 'user', date, sender_user: source.user };
    else if ('hiddenUserName' in source) {
      origin = { type: 'hidden_user', date, sender_user_name: source.hiddenUserName };
    } else {
      origin = {
        type: 'channel',
        date,
        chat: source.channel,
        message_id: source.messageId,
        ...(source.signature === undefined ? {} : { author_signature: source.signature }),
      };
    }
    return this.#send((base) => ({ ...base, forward_origin: origin, ...textWithEntities(text) }));
  }

  /** Edits one of the user's own messages: the bot receives edited_message. */
  editText(messageId: number, text: string): UserAction {
    const entry = this.#bot.chats.message(this.chatId, messageId);
    if (!entry || entry.sender !== 'user') throw new Error(`No message ${messageId} of this user`);
    this.#driver.noteAction();
    const next: Message = {
      ...entry.message,
      ...textWithEntities(text),
      edit_date: Math.floor(this.#bot.clock.now() / 1000),
    };
    if (!next.entities) delete next.entities;
    this.#bot.chats.replaceMessage(entry, next);
    const update = this.#bot.queue.push('edited_message', next, {
      orderingKey: `chat:${this.chatId}`,
      ttlSeconds: MESSAGE_TTL_SECONDS,
    })?.update;
    return { update, message: next };
  }

  /**
   * Presses an inline button of a bot message, found by its text or callback_data (or a
   * predicate); the bot receives a callback_query with the message as it is now.
   */
  clickButton(
    target: TranscriptMessage | Message | number,
    button: string | ((button: InlineKeyboardButton) => boolean),
  ): ButtonClick {
    const messageId =
      typeof target === 'number'
        ? target
        : 'messageId' in target
          ? target.messageId
          : target.message_id;
    const entry = this.#bot.chats.message(this.chatId, messageId);
    if (!entry || entry.sender !== 'bot')
      throw new Error(`No bot message ${messageId} in chat ${this.chatId}`);
    const matches =
      typeof button === 'function'
        ? button
        : (candidate: InlineKeyboardButton) =>
            candidate.text === button || candidate.callback_data === button;
    const pressed = entry.message.reply_markup?.inline_keyboard.flat().find(matches);
    if (!pressed) {
      throw new Error(
        `Message ${messageId} has no button ${String(button)}: ${JSON.stringify(entry.message.reply_markup ?? null)}`,
      );
    }
    if (pressed.callback_data === undefined) {
      throw new Error(
        `Button "${pressed.text}" opens ${pressed.url ?? 'something'}; it sends no callback`,
      );
    }
    this.#driver.noteAction();
    const record = this.#bot.chats.privateChat(this.chatId);
    const query = this.#bot.chats.addCallbackQuery({
      userId: this.user.id,
      chatId: this.chatId,
      messageId,
      data: pressed.callback_data,
    });
    const update = this.#bot.queue.push(
      'callback_query',
      {
        id: query.id,
        from: this.user,
        message: entry.message,
        chat_instance: record.chatInstance,
        data: pressed.callback_data,
      },
      { orderingKey: `callbacks:${this.user.id}`, ttlSeconds: CALLBACK_TTL_SECONDS },
    )?.update;
    return { update, callbackQueryId: query.id, data: pressed.callback_data };
  }

  /** A file the user sends; the bot can getFile it and download it. */
  async sendMedia(kind: MediaKind, upload: UserMediaUpload): Promise<UserAction> {
    const fileKind: FileKind = kind;
    const mimeType = mimeTypeOf(upload.fileName, upload.mimeType);
    const info = { kind: fileKind, fileName: upload.fileName, mimeType };
    const file =
      upload.content instanceof Uint8Array
        ? await this.#bot.files.storeBytes(upload.content, info)
        : await this.#bot.files.storeCopy(upload.content.path, {
            ...info,
            size: upload.content.size,
          });
    file.attributes = {
      ...(upload.duration === undefined ? {} : { duration: upload.duration }),
      ...(upload.width === undefined ? {} : { width: upload.width }),
      ...(upload.height === undefined ? {} : { height: upload.height }),
    };
    const shownAs = shownKind(kind, file);
    return this.#send(
      (base) => ({
        ...base,
        ...mediaFields(shownAs, file, undefined),
        ...(upload.caption ? captionWithEntities(upload.caption) : {}),
      }),
      { kind, shownAs, file, sendOptions: {} },
    );
  }

  /** Blocks the bot: its messages now fail with 403, and it learns so through my_chat_member. */
  blockBot(): Update | undefined {
    return this.#setBlocked(true);
  }

  unblockBot(): Update | undefined {
    return this.#setBlocked(false);
  }

  #setBlocked(blocked: boolean): Update | undefined {
    const simulated = this.#bot.chats.upsertUser(this.user);
    if (simulated.hasBlockedBot === blocked) return undefined;
    this.#driver.noteAction();
    simulated.hasBlockedBot = blocked;
    const record = this.#bot.chats.privateChat(this.chatId);
    const bot = this.#bot.sender;
    const date = Math.floor(this.#bot.clock.now() / 1000);
    return this.#bot.queue.push(
      'my_chat_member',
      {
        chat: record.chat,
        from: this.user,
        date,
        old_chat_member: blocked
          ? { status: 'member', user: bot }
          : { status: 'kicked', user: bot, until_date: 0 },
        new_chat_member: blocked
          ? { status: 'kicked', user: bot, until_date: 0 }
          : { status: 'member', user: bot },
      },
      { orderingKey: `chat:${this.chatId}`, ttlSeconds: MESSAGE_TTL_SECONDS },
    )?.update;
  }

  #replyTo(messageId: number | undefined): Pick<Message, 'reply_to_message'> {
    if (messageId === undefined) return {};
    const target = this.#bot.chats.message(this.chatId, messageId);
    if (!target) throw new Error(`No message ${messageId} to reply to`);
    const { reply_to_message: _nested, ...withoutNested } = target.message;
    return { reply_to_message: withoutNested };
  }

  #send(
    build: (base: Message) => Message,
    media?: Parameters<FakeBot['chats']['addMessage']>[3],
  ): UserAction {
    const simulated = this.#bot.chats.upsertUser(this.user);
    if (simulated.hasBlockedBot)
      throw new Error(`User ${this.user.id} has blocked the bot; unblockBot() first`);
    this.#driver.noteAction();
    simulated.hasStartedBot = true;
    const record: ChatRecord = this.#bot.chats.privateChat(this.chatId);
    const entry = this.#bot.chats.addMessage(
      record,
      'user',
      (messageId, date) =>
        build({ message_id: messageId, from: this.user, chat: record.chat, date }),
      media,
    );
    const update = this.#bot.queue.push('message', entry.message, {
      orderingKey: `chat:${this.chatId}`,
      ttlSeconds: MESSAGE_TTL_SECONDS,
    })?.update;
    return { update, message: entry.message };
  }
}

function textWithEntities(text: string): { text: string; entities?: MessageEntity[] } {
  const entities = withAutoEntities(text, []);
  return entities.length > 0 ? { text, entities } : { text };
}

function captionWithEntities(caption: string): {
  caption: string;
  caption_entities?: MessageEntity[];
} {
  const entities = withAutoEntities(caption, []);
  return entities.length > 0 ? { caption, caption_entities: entities } : { caption };
}

export const createTelegramDriver = (fake: TelegramFake): TelegramDriver =>
  new TelegramDriver(fake);
