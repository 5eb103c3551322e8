import type { Clock } from '../shared/clock.ts';
import {
  OPT_IN_UPDATE_TYPES,
  UPDATE_TYPES,
  type ProducedUpdateType,
  type Update,
  type UpdatePayloads,
  type UpdateType,
} from '../bot-api/types.ts';

export interface QueuedUpdate {
  id: number;
  type: ProducedUpdateType;
  update: Update;
  /** Updates sharing a key reach a webhook one at a time, in order (Telegram keys them by chat). */
  orderingKey: string;
  expiresAt: number;
}

export interface PushOptions {
  orderingKey: string;
  ttlSeconds: number;
}

// How far an offset may run ahead of the next update id before the Bot API ignores it and answers
// from the head of the queue (TDLib's TQueue: "Specified from_id is in the future").
const OFFSET_SLACK = 10;

export const DEFAULT_ALLOWED_UPDATES: ReadonlySet<UpdateType> = new Set(
  UPDATE_TYPES.filter((type) => !OPT_IN_UPDATE_TYPES.includes(type)),
);

/**
 * The bot's pending updates with the Bot API's queue semantics: increasing ids, confirmation by
 * offset (everything below it is forgotten), negative offsets counted from the end, expiry, and
 * allowed_updates applied when an update is created (not when it is read).
 */
export class UpdateQueue {
  readonly #clock: Clock;
  readonly #listeners = new Set<(queued: QueuedUpdate) => void>();
  #items: QueuedUpdate[] = [];
  #nextId: number;
  #everUsed = false;
  #allowed: ReadonlySet<UpdateType> = DEFAULT_ALLOWED_UPDATES;

  constructor(clock: Clock, firstUpdateId: number) {
    this.#clock = clock;
    this.#nextId = firstUpdateId;
  }

  get allowedUpdates(): ReadonlySet<UpdateType> {
    return this.#allowed;
  }

  get isDefaultAllowed(): boolean {
    return sameSet(this.#allowed, DEFAULT_ALLOWED_UPDATES);
  }

  /** Returns whether the setting changed. An empty list means the default set. */
  setAllowedUpdates(types: ReadonlySet<UpdateType>): boolean {
    const next = types.size === 0 ? DEFAULT_ALLOWED_UPDATES : types;
    if (sameSet(next, this.#allowed)) return false;
    this.#allowed = next;
    return true;
  }

  onPushed(listener: (queued: QueuedUpdate) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  push<K extends ProducedUpdateType>(
    type: K,
    payload: UpdatePayloads[K],
    options: PushOptions,
  ): QueuedUpdate | undefined {
    if (!this.#allowed.has(type)) return undefined;
    this.#everUsed = true;
    const id = this.#nextId;
    this.#nextId += 1;
    const queued: QueuedUpdate = {
      id,
      type,
      update: { update_id: id, [type]: payload },
      orderingKey: options.orderingKey,
      expiresAt: this.#clock.now() + options.ttlSeconds * 1000,
    };
    this.#items.push(queued);
    for (const listener of this.#listeners) listener(queued);
    return queued;
  }

  pending(): readonly QueuedUpdate[] {
    this.#dropExpired();
    return this.#items;
  }

  pendingCount(): number {
    return this.pending().length;
  }

  /**
   * getUpdates' reading: confirms (forgets) every update below the effective offset and returns up
   * to `limit` updates from it.
   */
  readForPolling(offset: number, limit: number): QueuedUpdate[] {
    this.#dropExpired();
    if (!this.#everUsed) return [];
    const head = this.#items[0]?.id ?? this.#nextId;
    const tail = this.#nextId;
    let from = offset;
    if (from <= 0) {
      if (from < 0) from += tail;
      if (from < head) from = head;
    }
    if (from > tail + OFFSET_SLACK) from = head;
    this.#items = this.#items.filter((item) => item.id >= from);
    return this.#items.slice(0, limit);
  }

  forget(id: number): void {
    this.#items = this.#items.filter((item) => item.id !== id);
  }

  clear(): void {
    this.#items = [];
  }

  #dropExpired(): void {
    const now = this.#clock.now();
    if (this.#items.some((item) => item.expiresAt <= now)) {
      this.#items = this.#items.filter((item) => item.expiresAt > now);
    }
  }
}

function sameSet<T>(a: ReadonlySet<T>, b: ReadonlySet<T>): boolean {
  return a.size === b.size && [...a].every((item) => b.has(item));
}

/**
 * Reads allowed_updates like the Bot API: a JSON list of names (case-insensitive, unknown names
 * skipped). Anything unreadable leaves the previous setting; a list with no known name means the
 * default.
 */
export function readAllowedUpdates(raw: unknown): ReadonlySet<UpdateType> | undefined {
  let value = raw;
  if (value === undefined || value === '') return undefined;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value) as unknown;
    } catch {
      return undefined;
    }
  }
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) return undefined;
  const known = new Set<UpdateType>();
  for (const name of value) {
    const lowered = name.toLowerCase();
    const type = UPDATE_TYPES.find((candidate) => candidate === lowered);
    if (type) known.add(type);
  }
  return known;
}
