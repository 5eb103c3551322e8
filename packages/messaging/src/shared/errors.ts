import { AppError } from '@mediabot/contracts';

export type MessagingErrorCode =
  | 'broker_unavailable'
  | 'channel_closed'
  | 'publish_nacked'
  | 'checkpoint_moved'
  | 'stopped'
  | 'invalid_json'
  | 'invalid_options';

/** Failures of the messaging layer itself; all but a malformed body are worth another try. */
export class MessagingError extends AppError<MessagingErrorCode> {
  constructor(
    code: MessagingErrorCode,
    message: string,
    options: { retryable?: boolean; cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    super(code, message, { retryable: code !== 'invalid_json', ...options });
  }
}
