export { startRelay, type Relay, type RelayHooks, type RelayOptions } from './relay.ts';
export { createRelayMetrics, silentRelayObserver, type RelayObserver } from './observer.ts';
export { serializeEnvelope, toPublication, type Publication } from './publication.ts';
export { createConfirmWindow, type ConfirmWindow } from './confirm-window.ts';
