export {
  initTelemetry,
  type SpanExporter,
  type Telemetry,
  type TelemetryOptions,
} from './init-telemetry.ts';
export { injectTraceContext, startSpan, withExtractedContext } from './propagation.ts';
