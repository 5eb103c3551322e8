export { backoffDelay, defaultReconnectBackoff, type BackoffOptions } from './backoff.ts';
export {
  openConnection,
  superviseConnection,
  type ConnectionSource,
  type Session,
  type SessionContext,
  type Supervisor,
  type SupervisorOptions,
} from './supervisor.ts';
