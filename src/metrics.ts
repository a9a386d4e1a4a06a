import { Counter, Gauge, Histogram, collectDefaultMetrics, register } from 'prom-client';

/**
 * The receiver's Prometheus metrics (GET /metrics), registered once per process on prom-client's
 * default registry. Names are referenced by deploy/prometheus/alerts.yml; test/deploy checks that.
 * Labels are bounded: source names come from the registry, reasons from our own error codes.
 */
collectDefaultMetrics();

/** What happened to each delivery: started | duplicate | queued | ignored | answered | rejected. */
export const deliveries = new Counter({
  name: 'webhook_deliveries_total',
  help: 'Webhook deliveries by source and result',
  labelNames: ['source', 'result'] as const,
});

/** Refused deliveries by reason (signature_mismatch, timestamp_too_old, …) and HTTP status. */
export const rejections = new Counter({
  name: 'webhook_rejections_total',
  help: 'Refused webhook deliveries by source, reason and status',
  labelNames: ['source', 'reason', 'status'] as const,
});

export const rateLimited = new Counter({
  name: 'webhook_rate_limited_total',
  help: 'Deliveries answered 429 by source',
  labelNames: ['source'] as const,
});

export const sagaStartDuration = new Histogram({
  name: 'webhook_saga_start_duration_seconds',
  help: 'Time for Temporal to accept (or recognise as duplicate) a saga start',
  labelNames: ['result'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
});

export const requestDuration = new Histogram({
  name: 'webhook_request_duration_seconds',
  help: 'Time to answer a webhook delivery, by source and status',
  labelNames: ['source', 'status'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
});

/** Bytes of request bodies the receiver's deliveries hold right now (src/http/body-budget.ts). */
export const bodyBytesInFlight = new Gauge({ name: 'webhook_body_bytes_in_flight', help: 'Bytes reserved by deliveries being read or processed, against BODY_MEMORY_BYTES' });
export const outboxDepth = new Gauge({ name: 'webhook_outbox_depth', help: 'Events waiting in the Redis outbox for Temporal' });
export const outboxLag = new Gauge({ name: 'webhook_outbox_lag_seconds', help: 'Age of the oldest event waiting in the outbox' });

/** Dead letters (src/intake/dead-letters.ts): the stream's length, read when scraped, and what went into it. */
export const deadLetterCount = new Gauge({ name: 'webhook_dead_letters', help: 'Entries in the dead-letter stream, waiting for an operator' });
export const deadLettered = new Counter({
  name: 'webhook_dead_lettered_total',
  help: 'Saga starts moved to the dead-letter stream, by source and cause class (grpc status, unreadable)',
  labelNames: ['source', 'cause'] as const,
});
export const deadLettersDropped = new Counter({
  name: 'webhook_dead_letters_dropped_total',
  help: 'Dead letters deleted because the stream was at DEAD_LETTER_MAX_ENTRIES (each is also logged)',
  labelNames: ['source'] as const,
});

/** Refused and unrouted requests kept for the console (src/intake/refused.ts), and those that could not be. */
export const refusedKept = new Counter({
  name: 'webhook_refused_kept_total',
  help: 'Refused (400, 401, 415) or unrouted requests kept for re-processing, by source and kind (refused, unrouted)',
  labelNames: ['source', 'kind'] as const,
});
export const refusedNotKept = new Counter({
  name: 'webhook_refused_not_kept_total',
  help: 'Refused or unrouted requests that could not be kept: redis (the write failed) or busy (too many writes pending)',
  labelNames: ['why'] as const,
});

export const metricsRegistry = register;

/** Every metric name this process exports (for the alert-rule check). */
export async function metricNames(): Promise<string[]> {
  return (await register.getMetricsAsJSON()).map((m) => m.name);
}
