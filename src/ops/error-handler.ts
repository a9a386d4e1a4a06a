import type { ErrorRequestHandler } from 'express';
import type { Logger } from '../logger';
import { grpcCode, grpcStatusName } from '../intake/temporal';
import { OpsError, OpsUnauthorizedError } from './errors';

/** gRPC statuses that mean Temporal is away or too slow right now, not a bug. */
const TEMPORAL_AWAY = new Set(['UNAVAILABLE', 'DEADLINE_EXCEEDED', 'RESOURCE_EXHAUSTED']);
const RETRY_AFTER_SECONDS = 5;

/** Where the console API's errors become status codes. 5xx bodies say nothing internal. */
export function opsErrorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    if (err instanceof OpsError) {
      if (err instanceof OpsUnauthorizedError) res.setHeader('WWW-Authenticate', `Bearer error="invalid_token"`);
      const level = err.status >= 500 ? 'error' : err.status === 401 || err.status === 403 ? 'warn' : 'info';
      const cause = err.cause instanceof Error ? { cause: err.cause.message } : {};
      logger.log(level, 'ops request refused', { status: err.status, reason: err.reason, detail: err.message, ...cause, path: req.path });
      res.status(err.status).json({ error: err.reason, message: err.message, ...err.details });
      return;
    }
    const status = (err as { status?: number }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      res.status(status).json({ error: 'bad_request' });
      return;
    }
    const code = grpcCode(err);
    if (code !== undefined && TEMPORAL_AWAY.has(grpcStatusName(code))) {
      logger.warn('ops request failed: temporal unavailable', { error: (err as Error)?.message, path: req.path });
      res.setHeader('Retry-After', String(RETRY_AFTER_SECONDS));
      res.status(503).json({ error: 'temporal_unavailable', message: 'Temporal did not answer in time; try again shortly' });
      return;
    }
    logger.error('ops request failed', { error: (err as Error)?.message, stack: (err as Error)?.stack, path: req.path });
    res.status(500).json({ error: 'internal_error' });
  };
}
