import { AppError } from '@mediabot/contracts';

export type EgressErrorCode =
  | 'invalid_url'
  | 'url_too_long'
  | 'scheme_not_allowed'
  | 'credentials_not_allowed'
  | 'missing_host'
  | 'port_not_allowed'
  | 'blocked_address'
  | 'invalid_allow_list'
  | 'invalid_proxy_options';

/**
 * A URL or destination the egress policy refuses. Never retryable: the same URL is refused again.
 * `details.reason` names the rule that matched (for example `loopback` or `localhost_name`).
 */
export class EgressError extends AppError<EgressErrorCode> {
  constructor(code: EgressErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(code, message, { retryable: false, details });
  }
}
