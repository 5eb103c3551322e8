import { randomBytes } from 'node:crypto';
import type { Chat, Message, User } from '../bot-api/types.ts';
import type { Clock } from '../shared/clock.ts';
import type { Sequence } from '../shared/sequence.ts';
import type { StoredFile } from '../files/file-store.ts';

export type MediaKind = 'video' | 'audio' | 'document' | 'photo';

export interface MediaRecord {
  /** The method's kind; `shownAs` differs when Telegram shows e.g. a non-MP4 video as a document. */
  kind: MediaKind;
  shownAs: MediaKind;
  file: StoredFile;
  thumbnail?: StoredFile;
  /** What the bot asked for: supports_streaming, width, height, duration, title, performer... */
  sendOptions: Record<string, string | number | boolean>;
}

export interface TranscriptMessage {
  chatId: number;
  messageId: number;
  sender: 'user' | 'bot';
  /** The message as Telegram would return it now: after edits, with its current keyboard. */
  message: Message;
  /** Earlier versions, oldest first. */
  history: Message[];
  media?: MediaRecord;
  deleted: boolean;
  createdSeq: number;
  changedSeq: number;
}

export interface SimulatedUser {
  user: User;
  hasStartedBot: boolean;
  hasBlockedBot: boolean;
}

export interface ChatRecord {
  chat: Chat;
  user: SimulatedUser;
  chatInstance: string;
  nextMessageId: number;
  messages: Map<number, TranscriptMessage>;
  lastChatAction?: { action: string; at: number };
}

export type TranscriptChange =
  | {
      kind: 'message' | 'edited' | 'deleted';
      seq: number;
      chatId: number;
      entry: TranscriptMessage;
    }
  | { kind: 'chat-action'; seq: number; chatId: number; action: string; at: number }
  | { kind: 'callback-answer'; seq: number; chatId: number; query: CallbackQueryRecord };

export interface CallbackAnswer {
  text?: string;
  showAlert: boolean;
  url?: string;
  cacheTime?: number;
  at: number;
}

export interface CallbackQueryRecord {
  id: string;
  userId: number;
  chatId: number;
  messageId: number;
  data: string;
  createdAt: number;
  answer?: CallbackAnswer;
}

/** The private chats between simulated users and the bot, message by message. */
export class ChatStore {
  readonly #clock: Clock;
  readonly #sequence: Sequence;
  readonly #onChange: (change: TranscriptChange) => void;
  readonly #users = new Map<number, SimulatedUser>();
  readonly #chats = new Map<number, ChatRecord>();
  readonly #callbackQueries = new Map<string, CallbackQueryRecord>();

  constructor(clock: Clock, sequence: Sequence, onChange: (change: TranscriptChange) => void) {
    this.#clock = clock;
    this.#sequence = sequence;
    this.#onChange = onChange;
  }

  upsertUser(user: User): SimulatedUser {
    const existing = this.#users.get(user.id);
    if (existing) {
      existing.user = user;
      return existing;
    }
    const simulated: SimulatedUser = { user, hasStartedBot: false, hasBlockedBot: false };
    this.#users.set(user.id, simulated);
    return simulated;
  }

  user(id: number): SimulatedUser | undefined {
    return this.#users.get(id);
  }

  users(): SimulatedUser[] {
    return [...this.#users.values()];
  }

  /** The private chat with a user, opened when the user first writes to the bot. */
  privateChat(userId: number): ChatRecord {
    const existing = this.#chats.get(userId);
    if (existing) return existing;
    const simulated = this.#users.get(userId);
    if (!simulated) throw new Error(`No simulated user ${userId}`);
    const { user } = simulated;
    const record: ChatRecord = {
      chat: {
        id: user.id,
        type: 'private',
        first_name: user.first_name,
        ...(user.last_name === undefined ? {} : { last_name: user.last_name }),
        ...(user.username === undefined ? {} : { username: user.username }),
      },
      user: simulated,
      chatInstance: BigInt.asIntN(64, randomBytes(8).readBigInt64BE()).toString(),
      nextMessageId: 1,
      messages: new Map(),
    };
    this.#chats.set(user.id, record);
    return record;
  }

  chat(chatId: number): ChatRecord | undefined {
    return this.#chats.get(chatId);
  }

  chats(): ChatRecord[] {
    return [...this.#chats.values()];
  }

  addMessage(
    record: ChatRecord,
    sender: 'user' | 'bot',
    build: (messageId: number, date: number) => Message,
    media?: MediaRecord,
  ): TranscriptMessage {
    const messageId = record.nextMessageId;
    record.nextMessageId += 1;
    const seq = this.#sequence.next();
    const entry: TranscriptMessage = {
      chatId: record.chat.id,
      messageId,
      sender,
      message: build(messageId, Math.floor(this.#clock.now() / 1000)),
      history: [],
      deleted: false,
      createdSeq: seq,
      changedSeq: seq,
      ...(media === undefined ? {} : { media }),
    };
    record.messages.set(messageId, entry);
    this.#onChange({ kind: 'message', seq, chatId: entry.chatId, entry });
    return entry;
  }

  message(chatId: number, messageId: number): TranscriptMessage | undefined {
    const entry = this.#chats.get(chatId)?.messages.get(messageId);
    return entry && !entry.deleted ? entry : undefined;
  }

  replaceMessage(entry: TranscriptMessage, next: Message, media?: MediaRecord): void {
    entry.history.push(entry.message);
    entry.message = next;
    if (media) entry.media = media;
    entry.changedSeq = this.#sequence.next();
    this.#onChange({ kind: 'edited', seq: entry.changedSeq, chatId: entry.chatId, entry });
  }

  deleteMessage(entry: TranscriptMessage): void {
    entry.deleted = true;
    entry.changedSeq = this.#sequence.next();
    this.#onChange({ kind: 'deleted', seq: entry.changedSeq, chatId: entry.chatId, entry });
  }

  recordChatAction(record: ChatRecord, action: string): void {
    const at = this.#clock.now();
    record.lastChatAction = { action, at };
    this.#onChange({
      kind: 'chat-action',
      seq: this.#sequence.next(),
      chatId: record.chat.id,
      action,
      at,
    });
  }

  /** Messages of a chat in order; deleted ones stay, flagged, so a transcript shows what happened. */
  transcript(chatId: number): TranscriptMessage[] {
    const record = this.#chats.get(chatId);
    return record ? [...record.messages.values()] : [];
  }

  addCallbackQuery(query: Omit<CallbackQueryRecord, 'id' | 'createdAt'>): CallbackQueryRecord {
    const id = BigInt.asUintN(63, randomBytes(8).readBigUInt64BE()).toString();
    const record: CallbackQueryRecord = { ...query, id, createdAt: this.#clock.now() };
    this.#callbackQueries.set(id, record);
    return record;
  }

  callbackQuery(id: string): CallbackQueryRecord | undefined {
    return this.#callbackQueries.get(id);
  }

  answerCallbackQuery(record: CallbackQueryRecord, answer: CallbackAnswer): void {
    record.answer = answer;
    this.#onChange({
      kind: 'callback-answer',
      seq: this.#sequence.next(),
      chatId: record.chatId,
      query: record,
    });
  }
}
