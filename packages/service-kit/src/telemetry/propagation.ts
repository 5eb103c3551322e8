import type { TraceContext } from '@mediabot/contracts';
import {
  context,
  propagation,
  SpanStatusCode,
  trace,
  type Span,
  type SpanOptions,
} from '@opentelemetry/api';

const tracer = () => trace.getTracer('@mediabot/service-kit');

/** The W3C trace context of the active span, to carry in an envelope or message headers. */
export function injectTraceContext(): TraceContext {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  const { traceparent, tracestate } = carrier;
  return { ...(traceparent && { traceparent }), ...(tracestate && { tracestate }) };
}

/** Runs `fn` as a continuation of the trace an incoming message carried. */
export function withExtractedContext<T>(traceContext: TraceContext | undefined, fn: () => T): T {
  const carrier: Record<string, string> = {};
  if (traceContext?.traceparent) carrier['traceparent'] = traceContext.traceparent;
  if (traceContext?.tracestate) carrier['tracestate'] = traceContext.tracestate;
  return context.with(propagation.extract(context.active(), carrier), fn);
}

/** Runs `fn` inside a new active span that ends when `fn` settles; a throw marks it as an error. */
export function startSpan<T>(
  name: string,
  fn: (span: Span) => T | Promise<T>,
  options: SpanOptions = {},
): Promise<T> {
  return tracer().startActiveSpan(name, options, async (span) => {
    try {
      return await fn(span);
    } catch (error) {
      span.recordException(error instanceof Error ? error : String(error));
      span.setStatus({
        code: SpanStatusCode.ERROR,
        message: error instanceof Error ? error.message : String(error),
      });
      throw error;
    } finally {
      span.end();
    }
  });
}
