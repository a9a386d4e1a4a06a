import type { RequestHandler } from 'express';
import type { OutboxStats } from '../intake/outbox';
import { deadLetterCount, deliveries, metricsRegistry, outboxDepth, outboxLag, rateLimited, rejections, requestDuration } from '../metrics';

/** What an accepted delivery came to (src/http/webhooks.ts), for the metrics. */
export type DeliveryResult = 'started' | 'duplicate' | 'queued' | 'ignored' | 'answered';

/**
 * Counts every delivery once, when its answer has been written: the result (or the refusal's reason)
 * and the time to answer. Source labels are only registered names, so a flood of made-up names
 * cannot grow the label set. Call it when the request arrives; call what it returns with the answer.
 */
export function deliveryMeter(sources: ReadonlySet<string>) {
  return (name: string) => {
    const end = requestDuration.startTimer();
    const source = sources.has(name) ? name : 'unknown';
    return (statusCode: number, outcome: { result?: DeliveryResult; rejection?: string }) => {
      const status = String(statusCode);
      end({ source, status });
      if (outcome.result) {
        deliveries.inc({ source, result: outcome.result });
        return;
      }
      deliveries.inc({ source, result: 'rejected' });
      rejections.inc({ source, reason: outcome.rejection ?? 'other', status });
      if (statusCode === 429) rateLimited.inc({ source });
    };
  };
}

/** GET /metrics in Prometheus text format; outbox and dead-letter gauges are read when scraped. */
export function metricsHandler(outboxStats: () => Promise<OutboxStats>): RequestHandler {
  return async (_req, res) => {
    try {
      const stats = await outboxStats();
      outboxDepth.set(stats.backlog);
      outboxLag.set(stats.oldestAgeSeconds);
      deadLetterCount.set(stats.deadLetters);
    } catch {
      // Redis down: keep the last values rather than fail the scrape.
    }
    res.type(metricsRegistry.contentType).send(await metricsRegistry.metrics());
  };
}
