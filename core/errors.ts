/**
 * A request refused with a status and a short machine-readable reason: the shape both HTTP
 * boundaries answer with (src/http/error-handler.ts for deliveries, src/ops/error-handler.ts for
 * the console). `reason` and `details` are safe to answer and to log; `cause` is logged, never
 * answered.
 */
export abstract class RefusalError extends Error {
  abstract readonly status: number;
  readonly reason: string;
  /** Extra fields for the JSON answer (never secrets). */
  readonly details?: Record<string, unknown>;

  constructor(reason: string, message?: string, details?: Record<string, unknown>, cause?: unknown) {
    super(message ?? reason, cause === undefined ? undefined : { cause });
    this.name = new.target.name;
    this.reason = reason;
    this.details = details;
  }
}

/**
 * Errors a delivery can be refused with. Sources throw these; only the HTTP boundary
 * (src/http/error-handler.ts) turns them into status codes. A misconfiguration is a plain
 * Error thrown at start-up, never one of these.
 */
export abstract class DeliveryError extends RefusalError {
  constructor(reason: string, message?: string) {
    super(reason, message);
  }
}

/** Missing, malformed or wrong signature, stale or future timestamp: 401. */
export class WebhookVerificationError extends DeliveryError {
  readonly status = 401;
}

/** The signature held but the body is not what the source sends: 400. */
export class MalformedPayloadError extends DeliveryError {
  readonly status = 400;
}

/** Body larger than the configured limit: 413. */
export class PayloadTooLargeError extends DeliveryError {
  readonly status = 413;
}

/** Content type the source never sends: 415. */
export class UnsupportedMediaTypeError extends DeliveryError {
  readonly status = 415;
}

/** No source registered under that name: 404. */
export class UnknownSourceError extends DeliveryError {
  readonly status = 404;
}

/** Too many deliveries for a source, too many failed ones from one client, or too many bytes one client has in flight: 429 with Retry-After. */
export class RateLimitedError extends DeliveryError {
  readonly status = 429;
  constructor(
    readonly retryAfterSeconds: number,
    reason: 'rate_limited' | 'too_many_failures' | 'too_much_in_flight' = 'rate_limited',
  ) {
    super(reason);
  }
}

/** The event could not be made durable anywhere: 503 with Retry-After so the vendor retries. */
export class ServiceUnavailableError extends DeliveryError {
  readonly status = 503;
  constructor(
    reason: string,
    readonly retryAfterSeconds = 30,
  ) {
    super(reason);
  }
}
