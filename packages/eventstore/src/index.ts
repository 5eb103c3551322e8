export { migrateEventStore, eventStoreSchema, appendedChannel } from './schema/migrations.ts';
export { createEventStore, toRecordedEnvelope } from './store/event-store.ts';
export type { AnyDatabase, AnyTransaction } from './store/database.ts';
export type {
  EventStore,
  ExpectedVersion,
  AppendResult,
  ReadAllOptions,
} from './store/event-store.ts';
export { EventStoreError, type EventStoreErrorCode } from './store/errors.ts';
export { logStart, isAfter, samePosition, positionOf, type LogPosition } from './store/position.ts';
export { createCheckpointStore, type CheckpointStore } from './subscriptions/checkpoints.ts';
export { acquireSubscriptionLock, type SubscriptionLock } from './subscriptions/lock.ts';
export { listenForAppends } from './subscriptions/listen.ts';
export { recheckDelayMs } from './subscriptions/recheck.ts';
export {
  startSubscription,
  type Subscription,
  type SubscriptionOptions,
} from './subscriptions/subscription.ts';
export {
  applyEvents,
  migrateProjection,
  projectionMigrationTable,
  startProjection,
  upcastRecorded,
  type ProjectionDefinition,
} from './projections/projection.ts';
export {
  rebuildProjection,
  type RebuildOptions,
  type RebuildProgress,
  type RebuildResult,
} from './projections/rebuild.ts';
