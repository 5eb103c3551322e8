/**
 * Every error we throw on purpose carries a stable code and says whether trying again can help.
 * Consumers use `retryable` to choose between a delayed retry and the dead-letter queue.
 */
export class AppError<TCode extends string = string> extends Error {
  readonly code: TCode;
  readonly retryable: boolean;
  readonly details: Record<string, unknown>;

  constructor(
    code: TCode,
    message: string,
    options: { retryable?: boolean; cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.details = options.details ?? {};
  }

  toJSON(): {
    code: string;
    message: string;
    retryable: boolean;
    details: Record<string, unknown>;
  } {
    return {
      code: this.code,
      message: this.message,
      retryable: this.retryable,
      details: this.details,
    };
  }
}

export type ContractErrorCode = 'unknown_message_type' | 'unsupported_version' | 'invalid_payload';

/** A message that does not match its contract. Never retryable: the same bytes fail again. */
export class ContractError extends AppError<ContractErrorCode> {
  constructor(code: ContractErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(code, message, { retryable: false, details });
  }
}

export function isRetryable(error: unknown): boolean {
  if (error instanceof AppError) return error.retryable;
  // Errors we did not classify (driver errors, timeouts) are presumed transient.
  return true;
}

export function describeError(error: unknown): {
  code: string;
  message: string;
  retryable: boolean;
} {
  if (error instanceof AppError) {
    const { code, message, retryable } = error as AppError;
    return { code, message, retryable };
  }
  if (error instanceof Error)
    return { code: 'unexpected', message: error.message, retryable: true };
  return { code: 'unexpected', message: String(error), retryable: true };
}
