import type { RequestHandler } from 'express';
import type { OutboxStats } from '../intake/outbox';
import { deadLetterCount, deliveries, metricsRegistry, outboxDepth, outboxLag, rateLimited, rejections, requestDuration } from '../metrics';

/** What the handler and the error handler leave in res.locals for the metrics. */
export type DeliveryResult = 'started' | 'duplicate' | 'queued' | 'ignored' | 'answered';

/**
 * Counts every delivery once, when its answer has gone out: the result (or the refusal's reason)
 * and the time to answer. Source labels are only registered names, so a flood of made-up paths
 * cannot grow the label set.
 */
export function deliveryMetrics(sources: ReadonlySet<string>): RequestHandler {
  return (req, res, next) => {
    const end = requestDuration.startTimer();
    // Read now: express clears req.params once the request leaves the route for the error handler.
    const source = sources.has(String(req.params.source)) ? String(req.params.source) : 'unknown';
    res.on('finish', () => {
      const status = String(res.statusCode);
      end({ source, status });
      const { result, rejection } = res.locals;
      if (result) {
        deliveries.inc({ source, result });
      } else {
        deliveries.inc({ source, result: 'rejected' });
        rejections.inc({ source, reason: rejection?.reason ?? 'other', status });
        if (res.statusCode === 429) rateLimited.inc({ source });
      }
    });
    next();
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
