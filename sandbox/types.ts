export const SERVICES = ['turvo', 'front', 'samsara', 'records', 'notify'] as const;
export type Service = (typeof SERVICES)[number];

export interface Fault {
  id: string;
  /** The service whose requests it matches; every service's when absent. */
  service?: Service;
  /** HTTP method to match; any when absent. */
  method?: string;
  /** Regular expression tested against the path after the service prefix (`/shipments/98765/status`); any when absent. */
  path?: string;
  /** Status to answer instead of doing the work. Absent with `delayMs`: do the work, answer late. */
  status?: number;
  /** How many matching requests it hits; until cleared when absent. */
  times?: number;
  /** Matching requests let through before it hits (to fail an undo that calls the same path as its step). */
  after?: number;
  delayMs?: number;
  /** Seconds sent as `Retry-After` with the fault's status (a 429 or 503 asking the caller to wait). */
  retryAfter?: number;
  message?: string;
  hits: number;
  /** Matching requests let through so far (see `after`). */
  passed: number;
}

export interface RecordedRequest {
  seq: number;
  at: string;
  service: Service;
  method: string;
  path: string;
  query: Record<string, string>;
  idempotencyKey?: string;
  /** A JSON body as sent; a binary body as its size. */
  body?: unknown;
  status?: number;
  /** Answered from the idempotency cache: no second effect. */
  replayed?: boolean;
  /** The fault that answered it, if one did. */
  faultId?: string;
}

/** A service route's answer: sent as JSON, and remembered under the request's idempotency key. */
export interface Reply {
  status: number;
  body?: unknown;
}
