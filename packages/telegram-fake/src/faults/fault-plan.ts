import type { ResponseParameters } from '../bot-api/types.ts';

export type FaultEffect =
  /** 429 with parameters.retry_after, as Telegram's flood control answers. */
  | { kind: 'too-many-requests'; retryAfterSeconds: number }
  /** 500 {"ok":false,"error_code":500,"description":"Internal Server Error"}. */
  | { kind: 'server-error' }
  /** 502 with an HTML page, as Telegram's front proxy answers when the Bot API is down. */
  | { kind: 'bad-gateway' }
  /** Any other Bot API error, e.g. 403 "Forbidden: bot was blocked by the user". */
  | { kind: 'error'; errorCode: number; description: string; parameters?: ResponseParameters }
  /** The answer comes this much later (the call itself then runs normally). */
  | { kind: 'delay'; ms: number }
  /**
   * The connection drops without an answer, before or after the call took effect (the case that
   * makes a client retry something that already happened).
   */
  | { kind: 'disconnect'; afterApplying: boolean };

export interface FaultMatch {
  /** Method name(s), any case; all methods when absent. */
  method?: string | readonly string[];
  /** Only calls whose chat_id is this chat. */
  chatId?: number | string;
}

export interface FaultRule extends FaultMatch {
  effect: FaultEffect;
  /** How many calls it affects; every matching call when absent. */
  times?: number;
}

export interface FaultHandle {
  readonly hits: number;
  readonly remaining: number;
  remove(): void;
}

interface ActiveFault {
  rule: FaultRule;
  methods: Set<string> | undefined;
  hits: number;
}

export interface FaultDecision {
  delayMs: number;
  outcome?: Exclude<FaultEffect, { kind: 'delay' }>;
}

/** Faults programmed by a test: per method, per chat, once, N times or always. */
export class FaultPlan {
  #faults: ActiveFault[] = [];

  add(rule: FaultRule): FaultHandle {
    const methodNames = rule.method === undefined ? undefined : [rule.method].flat();
    const active: ActiveFault = {
      rule,
      methods: methodNames && new Set(methodNames.map((name) => name.toLowerCase())),
      hits: 0,
    };
    this.#faults.push(active);
    return {
      get hits() {
        return active.hits;
      },
      get remaining() {
        return rule.times === undefined ? Number.POSITIVE_INFINITY : rule.times - active.hits;
      },
      remove: () => {
        this.#faults = this.#faults.filter((fault) => fault !== active);
      },
    };
  }

  tooManyRequests(match: FaultMatch, retryAfterSeconds: number, times?: number): FaultHandle {
    return this.add({
      ...match,
      effect: { kind: 'too-many-requests', retryAfterSeconds },
      ...timesOf(times),
    });
  }

  serverError(match: FaultMatch, times?: number): FaultHandle {
    return this.add({ ...match, effect: { kind: 'server-error' }, ...timesOf(times) });
  }

  delay(match: FaultMatch, ms: number, times?: number): FaultHandle {
    return this.add({ ...match, effect: { kind: 'delay', ms }, ...timesOf(times) });
  }

  clear(): void {
    this.#faults = [];
  }

  /** Consumes the faults a call meets: every matching delay, then the first other effect. */
  decide(method: string, chatId: string | undefined): FaultDecision {
    const key = method.toLowerCase();
    let delayMs = 0;
    let outcome: FaultDecision['outcome'];
    for (const fault of this.#faults) {
      const { rule } = fault;
      if (rule.times !== undefined && fault.hits >= rule.times) continue;
      if (fault.methods && !fault.methods.has(key)) continue;
      if (rule.chatId !== undefined && String(rule.chatId) !== chatId) continue;
      if (rule.effect.kind === 'delay') {
        fault.hits += 1;
        delayMs += rule.effect.ms;
      } else if (!outcome) {
        fault.hits += 1;
        outcome = rule.effect;
      }
    }
    this.#faults = this.#faults.filter(
      (fault) => fault.rule.times === undefined || fault.hits < fault.rule.times,
    );
    return outcome ? { delayMs, outcome } : { delayMs };
  }
}

function timesOf(times: number | undefined): { times?: number } {
  return times === undefined ? {} : { times };
}
