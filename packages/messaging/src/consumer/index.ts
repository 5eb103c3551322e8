export {
  startConsumer,
  type Consumer,
  type ConsumerHooks,
  type ConsumerOptions,
  type DeliveryInfo,
  type HandlerContext,
  type LongRunningContext,
  type LongRunningHandler,
  type MessageHandler,
} from './consumer.ts';
export {
  decideAfterFailure,
  defaultRetryDelaysMs,
  exponentialDelays,
  attemptOf,
  type FailureDecision,
  type RetryPolicy,
} from './failure-policy.ts';
export { claimInbox, ensureInbox, inboxMigration } from './inbox.ts';
export { silentHandlingObserver, type HandlingObserver } from './observer.ts';
