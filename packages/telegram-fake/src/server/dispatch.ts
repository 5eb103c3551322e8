import { BotApiError, internalServerError, notFound, tooManyRequests } from '../bot-api/errors.ts';
import type { ApiResponse } from '../bot-api/types.ts';
import type { FaultDecision, FaultEffect } from '../faults/fault-plan.ts';
import { findMethod, Params, type MethodDefinition } from '../methods/index.ts';
import type { CallVia, FakeBot } from './fake-bot.ts';
import type { UploadedFile } from './request-body.ts';

export interface CallRequest {
  methodName: string;
  values: Record<string, unknown>;
  files: ReadonlyMap<string, UploadedFile>;
  via: CallVia;
  signal: AbortSignal;
  /** Injected faults and flood control apply to calls over HTTP only. */
  applyFaults: boolean;
}

export type CallAnswer =
  | { kind: 'json'; status: number; body: ApiResponse; disconnectAfter?: boolean }
  | { kind: 'bad-gateway' }
  | { kind: 'disconnect' };

const errorAnswer = (error: BotApiError): CallAnswer => ({
  kind: 'json',
  status: error.errorCode,
  body: error.toResponse(),
});

/** Runs one Bot API call: faults first, then flood control, then the method; records the call. */
export async function dispatchCall(bot: FakeBot, request: CallRequest): Promise<CallAnswer> {
  const startedAt = bot.clock.now();
  const params = new Params(request.values);
  const chatIdText = params.string('chat_id')?.trim();
  const method = findMethod(request.methodName);

  let decision: FaultDecision = { delayMs: 0 };
  let answer: CallAnswer;
  if (!method) {
    answer = errorAnswer(notFound());
  } else {
    if (request.applyFaults) decision = bot.faults.decide(method.name, chatIdText);
    if (decision.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, decision.delayMs));
    answer = await answerWith(bot, method, params, request, decision.outcome);
  }

  const fault: FaultEffect['kind'] | undefined =
    decision.outcome?.kind ?? (decision.delayMs > 0 ? 'delay' : undefined);
  bot.recordCall({
    method: method?.name ?? request.methodName,
    params: describeParams(request),
    via: request.via,
    ...(chatIdText !== undefined && /^-?\d+$/.test(chatIdText)
      ? { chatId: Number(chatIdText) }
      : {}),
    startedAt,
    finishedAt: bot.clock.now(),
    httpStatus: answer.kind === 'json' ? answer.status : answer.kind === 'bad-gateway' ? 502 : 0,
    response: answer.kind === 'json' ? answer.body : undefined,
    ...(fault ? { fault } : {}),
  });
  return answer;
}

async function answerWith(
  bot: FakeBot,
  method: MethodDefinition,
  params: Params,
  request: CallRequest,
  outcome: FaultDecision['outcome'],
): Promise<CallAnswer> {
  switch (outcome?.kind) {
    case 'too-many-requests':
      return errorAnswer(tooManyRequests(outcome.retryAfterSeconds));
    case 'server-error':
      return errorAnswer(internalServerError());
    case 'error':
      return errorAnswer(
        new BotApiError(outcome.errorCode, outcome.description, outcome.parameters),
      );
    case 'bad-gateway':
      return { kind: 'bad-gateway' };
    case 'disconnect':
      if (outcome.afterApplying) await run(bot, method, params, request);
      return { kind: 'disconnect' };
    case undefined:
      break;
  }
  if (method.sendsMessage && bot.rateLimiter) {
    const retryAfter = bot.rateLimiter.take(params.string('chat_id') ?? '');
    if (retryAfter !== undefined) return errorAnswer(tooManyRequests(retryAfter));
  }
  return run(bot, method, params, request);
}

async function run(
  bot: FakeBot,
  method: MethodDefinition,
  params: Params,
  request: CallRequest,
): Promise<CallAnswer> {
  try {
    const outcome = await method.run({
      bot,
      params,
      files: request.files,
      via: request.via,
      signal: request.signal,
    });
    return {
      kind: 'json',
      status: 200,
      body: {
        ok: true,
        result: outcome.result,
        ...(outcome.description === undefined ? {} : { description: outcome.description }),
      },
    };
  } catch (error) {
    if (error instanceof BotApiError) return errorAnswer(error);
    process.emitWarning(
      `telegram-fake: ${method.name} failed unexpectedly: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
    return errorAnswer(internalServerError());
  }
}

function describeParams(request: CallRequest): Record<string, unknown> {
  const described: Record<string, unknown> = { ...request.values };
  for (const [field, file] of request.files) {
    described[field] = { upload: { fileName: file.fileName, size: file.size } };
  }
  return described;
}
