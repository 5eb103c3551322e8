export {
  createShutdown,
  type Shutdown,
  type ShutdownHook,
  type ShutdownOptions,
  type SignalSource,
} from './create-shutdown.ts';
