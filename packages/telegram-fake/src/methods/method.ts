import type { CallVia, FakeBot } from '../server/fake-bot.ts';
import type { UploadedFile } from '../server/request-body.ts';
import type { Params } from './params.ts';

export interface MethodContext {
  bot: FakeBot;
  params: Params;
  files: ReadonlyMap<string, UploadedFile>;
  via: CallVia;
  /** Aborted when the client hangs up. */
  signal: AbortSignal;
}

export interface MethodOutcome {
  result: unknown;
  /** Some successful answers carry one, e.g. "Webhook was set". */
  description?: string;
}

export interface MethodDefinition {
  name: string;
  /** Counted by flood control. */
  sendsMessage?: boolean;
  run: (context: MethodContext) => MethodOutcome | Promise<MethodOutcome>;
}

export const defineMethod = (definition: MethodDefinition): MethodDefinition => definition;
