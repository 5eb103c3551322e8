import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { Clock } from '../shared/clock.ts';
import { readBody, type BodyLimits, type UploadedFile } from '../server/request-body.ts';
import type { QueuedUpdate, UpdateQueue } from './update-queue.ts';

export interface WebhookSettings {
  url: string;
  secretToken: string | undefined;
  maxConnections: number;
}

export interface WebhookTiming {
  /** One "second" of Telegram's resend schedule; tests shrink it. */
  retryUnitMs: number;
  /** The longest pause between resends, in units (Telegram: about 60 s). */
  maxRetryUnits: number;
  /** How long one delivery may take before it counts as failed. */
  requestTimeoutMs: number;
}

/** A Bot API call made by answering the webhook request with {"method": ..., ...}. */
export interface WebhookReply {
  method: string;
  values: Record<string, unknown>;
  files: Map<string, UploadedFile>;
}

export interface WebhookAttempt {
  updateId: number;
  url: string;
  attempt: number;
  ok: boolean;
  status?: number;
  error?: string;
  at: number;
}

export interface WebhookDeliveryDependencies {
  queue: UpdateQueue;
  clock: Clock;
  timing: WebhookTiming;
  bodyLimits: BodyLimits;
  incoming: { newIncomingPath: () => string; discard: (path: string) => Promise<void> };
  onReply: (reply: WebhookReply) => Promise<void>;
  onAttempt: (attempt: WebhookAttempt) => void;
}

interface RetryState {
  delayUnits: number;
  failures: number;
  wakeAt: number;
}

const MAX_RETRY_AFTER_UNITS = 3600;

/**
 * Pushes pending updates to the webhook as Telegram's WebhookActor does: updates of one chat one at
 * a time and in order, up to max_connections chats at once; a non-2xx answer or a network error
 * is retried (at once, then after 2, 4, 8... units, or after the webhook's Retry-After), and a 2xx
 * answer confirms the update and may carry a method call.
 */
export class WebhookDelivery {
  readonly #deps: WebhookDeliveryDependencies;
  readonly #retries = new Map<number, RetryState>();
  readonly #inFlight = new Map<string, AbortController>();
  #settings: WebhookSettings | undefined;
  #lastError: { date: number; message: string } | undefined;
  #timer: NodeJS.Timeout | undefined;
  #unsubscribe: (() => void) | undefined;

  constructor(deps: WebhookDeliveryDependencies) {
    this.#deps = deps;
  }

  get settings(): WebhookSettings | undefined {
    return this.#settings;
  }

  get lastError(): { date: number; message: string } | undefined {
    return this.#lastError;
  }

  start(settings: WebhookSettings): void {
    this.stop();
    this.#settings = settings;
    this.#lastError = undefined;
    this.#unsubscribe = this.#deps.queue.onPushed(() => this.#pump());
    this.#pump();
  }

  /** Stops delivering. Unconfirmed updates, the one in flight included, stay pending. */
  stop(): void {
    this.#settings = undefined;
    this.#lastError = undefined;
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    clearTimeout(this.#timer);
    for (const controller of this.#inFlight.values()) controller.abort();
    this.#inFlight.clear();
    this.#retries.clear();
  }

  #pump(): void {
    const settings = this.#settings;
    if (!settings) return;
    const now = this.#deps.clock.now();
    const seenKeys = new Set<string>();
    let nextWakeAt = Number.POSITIVE_INFINITY;
    for (const item of this.#deps.queue.pending()) {
      if (seenKeys.has(item.orderingKey)) continue;
      seenKeys.add(item.orderingKey);
      if (this.#inFlight.has(item.orderingKey)) continue;
      const retry = this.#retries.get(item.id);
      if (retry && retry.wakeAt > now) {
        nextWakeAt = Math.min(nextWakeAt, retry.wakeAt);
        continue;
      }
      if (this.#inFlight.size >= settings.maxConnections) break;
      void this.#deliver(settings, item);
    }
    clearTimeout(this.#timer);
    if (Number.isFinite(nextWakeAt)) {
      this.#timer = setTimeout(() => this.#pump(), Math.max(0, nextWakeAt - now));
    }
  }

  async #deliver(settings: WebhookSettings, item: QueuedUpdate): Promise<void> {
    const controller = new AbortController();
    this.#inFlight.set(item.orderingKey, controller);
    const attempt = (this.#retries.get(item.id)?.failures ?? 0) + 1;
    const report = (fields: Pick<WebhookAttempt, 'ok'> & Partial<WebhookAttempt>): void =>
      this.#deps.onAttempt({
        updateId: item.id,
        url: settings.url,
        attempt,
        at: this.#deps.clock.now(),
        ...fields,
      });
    try {
      const response = await fetch(settings.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(settings.secretToken
            ? { 'x-telegram-bot-api-secret-token': settings.secretToken }
            : {}),
        },
        body: JSON.stringify(item.update),
        signal: AbortSignal.any([
          controller.signal,
          AbortSignal.timeout(this.#deps.timing.requestTimeoutMs),
        ]),
      });
      if (controller.signal.aborted) return;
      if (response.ok) {
        const reply = await this.#readReply(response);
        this.#deps.queue.forget(item.id);
        this.#retries.delete(item.id);
        report({ ok: true, status: response.status });
        if (reply) await this.#runReply(reply);
      } else {
        await response.body?.cancel();
        const message = `Wrong response from the webhook: ${response.status} ${response.statusText}`;
        const retryAfter = Number.parseInt(response.headers.get('retry-after') ?? '0', 10);
        this.#fail(item, message, Number.isNaN(retryAfter) ? 0 : retryAfter);
        report({ ok: false, status: response.status, error: message });
      }
    } catch (error) {
      if (controller.signal.aborted) return;
      const message = describeDeliveryError(error);
      this.#fail(item, message, 0);
      report({ ok: false, error: message });
    } finally {
      if (this.#inFlight.get(item.orderingKey) === controller) {
        this.#inFlight.delete(item.orderingKey);
        this.#pump();
      }
    }
  }

  #fail(item: QueuedUpdate, message: string, retryAfterUnits: number): void {
    const { retryUnitMs, maxRetryUnits } = this.#deps.timing;
    const now = this.#deps.clock.now();
    this.#lastError = { date: Math.floor(now / 1000), message };
    const state = this.#retries.get(item.id) ?? { delayUnits: 1, failures: 0, wakeAt: now };
    let delayUnits = state.delayUnits;
    let waitUnits = Math.min(Math.max(retryAfterUnits, 0), MAX_RETRY_AFTER_UNITS);
    if (waitUnits === 0 && state.failures > 0) {
      delayUnits = Math.min(maxRetryUnits, delayUnits * 2);
      waitUnits = delayUnits;
    }
    const wakeAt = now + waitUnits * retryUnitMs;
    if (wakeAt > item.expiresAt) {
      this.#deps.queue.forget(item.id);
      this.#retries.delete(item.id);
      return;
    }
    this.#retries.set(item.id, { delayUnits, failures: state.failures + 1, wakeAt });
  }

  async #readReply(response: Response): Promise<WebhookReply | undefined> {
    if (!response.body) return undefined;
    const headers = { 'content-type': response.headers.get('content-type') ?? '' };
    try {
      const body = await readBody(
        {
          headers,
          stream: Readable.fromWeb(response.body as WebReadableStream<Uint8Array>),
          ...this.#deps.incoming,
        },
        this.#deps.bodyLimits,
      );
      const method = typeof body.values.method === 'string' ? body.values.method : '';
      const lowered = method.toLowerCase();
      const eligible =
        lowered !== '' &&
        !['deletewebhook', 'setwebhook', 'close', 'logout'].includes(lowered) &&
        !lowered.startsWith('get');
      if (!eligible) {
        await this.#discardFiles(body.files);
        return undefined;
      }
      const { method: _method, ...values } = body.values;
      return { method, values, files: body.files };
    } catch {
      return undefined;
    }
  }

  async #runReply(reply: WebhookReply): Promise<void> {
    try {
      await this.#deps.onReply(reply);
    } finally {
      await this.#discardFiles(reply.files);
    }
  }

  async #discardFiles(files: Map<string, UploadedFile>): Promise<void> {
    await Promise.all([...files.values()].map((file) => this.#deps.incoming.discard(file.path)));
  }
}

function describeDeliveryError(error: unknown): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return 'Read timeout expired';
  }
  const cause =
    error instanceof Error
      ? (error.cause as { code?: string; message?: string } | undefined)
      : undefined;
  switch (cause?.code ?? '') {
    case 'ECONNREFUSED':
      return 'Connection refused';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'Failed to resolve host: Name or service not known';
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
      return 'Webhook connection closed';
    default:
      return cause?.message ?? (error instanceof Error ? error.message : String(error));
  }
}
