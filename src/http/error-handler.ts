import type { ErrorRequestHandler } from 'express';
import { DeliveryError, RateLimitedError, ServiceUnavailableError } from '../../core/errors';
import type { Logger } from '../logger';

/** What a failed request is answered: the status, a JSON body with a short reason, and headers. */
export interface ErrorAnswer {
  status: number;
  body: { error: string };
  headers: Record<string, string>;
  /** The delivery's refusal reason, for the metrics; none for a failure of ours. */
  rejection?: string;
}

/**
 * The one place where errors become status codes, for deliveries (src/http/webhook-listener.ts) and
 * the receiver's other routes. Each is logged here; 5xx bodies say nothing internal.
 */
export function errorAnswer(err: unknown, log: Logger, path: string): ErrorAnswer {
  if (err instanceof DeliveryError) {
    const headers: Record<string, string> = {};
    if (err instanceof RateLimitedError || err instanceof ServiceUnavailableError) headers['Retry-After'] = String(err.retryAfterSeconds);
    // Do not read the rest of an oversized or stalled body: answer, then close the connection.
    if (err.status === 413 || err.status === 408) headers.Connection = 'close';
    log.log(err.status >= 500 ? 'error' : 'warn', 'delivery refused', { status: err.status, reason: err.reason });
    return { status: err.status, body: { error: err.reason }, headers, rejection: err.reason };
  }
  // express's own parsing errors (a client's mistake) carry a 4xx status.
  const status = (err as { status?: number }).status;
  if (typeof status === 'number' && status >= 400 && status < 500) return { status, body: { error: 'bad_request' }, headers: {} };
  log.error('unhandled error', { error: (err as Error)?.message, stack: (err as Error)?.stack, path });
  return { status: 500, body: { error: 'internal_error' }, headers: {} };
}

/** errorAnswer for the express routes. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const { status, body, headers } = errorAnswer(err, logger, req.path);
    res.set(headers).status(status).json(body);
  };
}
