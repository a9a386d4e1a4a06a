import type { Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OpenTelemetryPlugin } from '@temporalio/interceptors-opentelemetry';

/**
 * OpenTelemetry tracing from the webhook request into the saga and its activities, through
 * Temporal's OpenTelemetry plugin (client, workflow and activity interceptors). Off by default;
 * on with OTEL_TRACING=true, exporting OTLP over HTTP. Loaded only when on (server.ts, worker.ts):
 * the SDK and exporter would otherwise cost every process memory for nothing.
 */
export interface Tracing {
  tracer: Tracer;
  /** Client and worker plugin: propagates the trace through workflow headers. */
  plugin: OpenTelemetryPlugin;
  shutdown(): Promise<void>;
}

export interface TracingOptions {
  serviceName: string;
  /** OTLP/HTTP traces endpoint; ignored when `spanProcessor` is given (tests). */
  endpoint?: string;
  spanProcessor?: SpanProcessor;
}

export function createTracing({ serviceName, endpoint, spanProcessor }: TracingOptions): Tracing {
  const resource = new Resource({ 'service.name': serviceName });
  const processor = spanProcessor ?? new BatchSpanProcessor(new OTLPTraceExporter(endpoint ? { url: endpoint } : {}));
  const provider = new BasicTracerProvider({ resource });
  provider.addSpanProcessor(processor);
  // The async-hooks context manager carries the request's span across awaits into the client call.
  provider.register({ contextManager: new AsyncLocalStorageContextManager().enable() });
  const tracer = provider.getTracer('webhook-sagas');
  return {
    tracer,
    plugin: new OpenTelemetryPlugin({ resource, spanProcessor: processor, tracer }),
    shutdown: () => provider.shutdown(),
  };
}
