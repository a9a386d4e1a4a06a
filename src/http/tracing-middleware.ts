import { context, trace, SpanKind, SpanStatusCode, type Tracer } from '@opentelemetry/api';
import type { RequestHandler } from 'express';

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
