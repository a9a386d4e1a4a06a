import { context, trace, SpanKind, SpanStatusCode, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OpenTelemetryPlugin } from '@temporalio/interceptors-opentelemetry';
import type { RequestHandler } from 'express';

/**
 * OpenTelemetry tracing from the webhook request into the saga and its activities, through
 * Temporal's OpenTelemetry plugin (client, workflow and activity interceptors). Off by default;
 * on with OTEL_TRACING=true, exporting OTLP over HTTP.
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

/** Wraps each webhook request in a server span, active while the handler runs. */
export function tracingMiddleware(tracer: Tracer): RequestHandler {
  return (req, res, next) => {
    const span = tracer.startSpan(`POST /webhooks/${String(req.params.source ?? '')}`, {
      kind: SpanKind.SERVER,
      attributes: { 'http.request.method': req.method, 'webhook.source': String(req.params.source ?? '') },
    });
    res.on('finish', () => {
      span.setAttribute('http.response.status_code', res.statusCode);
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    });
    context.with(trace.setSpan(context.active(), span), next);
  };
}
