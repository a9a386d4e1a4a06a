import type { ErrorRequestHandler } from 'express';
import { DeliveryError, RateLimitedError, ServiceUnavailableError } from '../../core/errors';
import type { Logger } from '../logger';

/** The one place where errors become status codes. 5xx bodies say nothing internal. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const log = res.locals.log ?? logger;
    if (err instanceof DeliveryError) {
      res.locals.rejection = { reason: err.reason };
      if (err instanceof RateLimitedError || err instanceof ServiceUnavailableError) {
        res.setHeader('Retry-After', String(err.retryAfterSeconds));
      }
      if (err.status === 413 || err.status === 408) {
        // Do not read the rest of an oversized or stalled body: answer, then close the connection.
        res.setHeader('Connection', 'close');
      }
      const level = err.status >= 500 ? 'error' : 'warn';
      log.log(level, 'delivery refused', { status: err.status, reason: err.reason });
      res.status(err.status).json({ error: err.reason });
      return;
    }
    // express's own parsing errors (a client's mistake) carry a 4xx status.
    const status = (err as { status?: number }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      res.status(status).json({ error: 'bad_request' });
      return;
    }
    log.error('unhandled error', { error: (err as Error)?.message, stack: (err as Error)?.stack, path: req.path });
    res.status(500).json({ error: 'internal_error' });
  };
}
