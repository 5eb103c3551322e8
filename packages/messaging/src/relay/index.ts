export { startRelay, type Relay, type RelayHooks, type RelayOptions } from './relay.ts';
export { createRelayMetrics, silentRelayObserver, type RelayObserver } from './observer.ts';
export { serializeEnvelope, toPublication, type Publication } from './publication.ts';
export { createConfirmWindow, type ConfirmWindow } from './confirm-window.ts';
export {
  sampleLogHealth,
  silentLogHealthObserver,
  startLogHealthSampler,
  type LogHealth,
  type LogHealthObserver,
  type LogHealthSampler,
  type LogHealthSamplerOptions,
  type OldestTransaction,
} from './log-health.ts';
