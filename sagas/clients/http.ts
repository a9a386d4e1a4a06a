import { ApplicationFailure } from '@temporalio/common';
import { DOWNSTREAM_UNAVAILABLE } from '../../core/saga/attempts';

/**
 * The HTTP client every downstream API client is built on (activities only, never workflows).
 * - Every write carries an `Idempotency-Key`, derived by the saga from the workflow ID, the run and
 *   the step, so a retried or re-run activity never repeats an effect downstream.
 * - Undos name the write they reverse by that same key (`?idempotency_key=`): the downstream knows
 *   what each key did, so an undo is exact, and a no-op when the write never happened.
 * - A 4xx other than 408/409/429 is a business refusal: non-retryable, the saga compensates.
 *   Activities rely on it meaning "nothing changed" (see refusedForSure in sagas/workflows/saga.ts).
 * - 5xx, 408, 409, 429, network errors and timeouts mean the downstream is unavailable, not that it
 *   said no: a retryable `DownstreamUnavailable` whose next try comes after the downstream's
 *   `Retry-After` or this client's own backoff (`nextRetryDelay`, which overrides the activity's
 *   retry policy), until the service's outage horizon since the activity's first attempt is used up;
 *   then it is non-retryable and the saga compensates. An outage shorter than the horizon therefore
 *   delays sagas instead of compensating them in bulk.
 */
export interface OutagePolicy {
  /** How long after an activity's first attempt this service may stay unavailable before the saga gives up. */
  horizonMs: number;
  /** Backoff when the service sends no Retry-After: initialDelayMs × 2^(attempt-1), at most maxDelayMs. */
  initialDelayMs: number;
  maxDelayMs: number;
}

/** An hour of patience, first retry after 1 s, never more than 2 min between tries. */
export const DEFAULT_OUTAGE_POLICY: OutagePolicy = { horizonMs: 3_600_000, initialDelayMs: 1_000, maxDelayMs: 120_000 };

export interface HttpClientOptions {
  baseUrl: string;
  token?: string;
  /** Name used in errors, e.g. `turvo`. */
  service: string;
  timeoutMs?: number;
  /** The running activity's cancellation signal, so a cancelled activity (worker shutdown) stops waiting. */
  cancellation?: () => AbortSignal | undefined;
  outage?: OutagePolicy;
  /** The running activity's attempt and first scheduling time, which the outage horizon counts from. */
  attempt?: () => { attempt: number; firstScheduledMs: number } | undefined;
}

export interface RequestOptions {
  idempotencyKey?: string;
  query?: Record<string, string | number | undefined>;
  /** JSON-serialised, or sent as is when it is a Buffer (with `contentType`). */
  body?: unknown;
  contentType?: string;
}

const RETRYABLE_4XX = new Set([408, 409, 429]);
export const DEFAULT_HTTP_TIMEOUT_MS = 10_000;
/** Longest slice of an error body kept in a failure message: enough to read the reason, never a whole payload. */
const ERROR_BODY_CHARS = 200;

export class HttpClient {
  constructor(private readonly options: HttpClientOptions) {}

  /** Sends a request and answers the raw response once its status is a success. */
  async send(method: string, path: string, opts: RequestOptions = {}, timeoutMs = this.options.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS): Promise<Response> {
    const url = new URL(this.options.baseUrl.replace(/\/$/, '') + path);
    for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.options.token) headers.authorization = `Bearer ${this.options.token}`;
    if (opts.idempotencyKey) headers['idempotency-key'] = opts.idempotencyKey;
    let body: Uint8Array | string | undefined;
    if (Buffer.isBuffer(opts.body)) {
      headers['content-type'] = opts.contentType ?? 'application/octet-stream';
      body = new Uint8Array(opts.body);
    } else if (opts.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(opts.body);
    }

    const signals = [AbortSignal.timeout(timeoutMs)];
    const cancelled = this.options.cancellation?.();
    if (cancelled) signals.push(cancelled);
    let response: Response;
    try {
      response = await fetch(url, { method, headers, body, signal: AbortSignal.any(signals) });
    } catch (err) {
      // A cancelled activity stops here as it was told; anything else (refused connection, reset, our timeout) is an outage.
      if (cancelled?.aborted) throw err;
      throw this.unavailable(`${this.options.service} ${method} ${url.pathname} failed: ${(err as Error).message}`);
    }
    if (!response.ok) {
      const text = await response.text().catch(() => '');
      const what = `${this.options.service} ${method} ${url.pathname} answered ${response.status}`;
      if (response.status >= 400 && response.status < 500 && !RETRYABLE_4XX.has(response.status)) {
        throw ApplicationFailure.nonRetryable(`${what}: ${text.slice(0, ERROR_BODY_CHARS)}`, 'DownstreamRefused', { service: this.options.service, status: response.status });
      }
      throw this.unavailable(what, response.status, retryAfterMs(response.headers.get('retry-after')));
    }
    return response;
  }

  /** The failure for an unavailable downstream: retry after Retry-After or the backoff, unless that is past the horizon. */
  private unavailable(what: string, status?: number, retryAfter?: number): ApplicationFailure {
    const { service } = this.options;
    const policy = this.options.outage ?? DEFAULT_OUTAGE_POLICY;
    const { attempt, firstScheduledMs } = this.options.attempt?.() ?? { attempt: 1, firstScheduledMs: Date.now() };
    const delayMs = retryAfter ?? Math.min(policy.initialDelayMs * 2 ** (attempt - 1), policy.maxDelayMs);
    const elapsedMs = Date.now() - firstScheduledMs;
    if (elapsedMs + delayMs > policy.horizonMs) {
      return ApplicationFailure.create({
        type: DOWNSTREAM_UNAVAILABLE,
        message: `${what}; still unavailable after ${attempt} attempts in ${Math.round(elapsedMs / 1000)} s (outage horizon ${Math.round(policy.horizonMs / 1000)} s)`,
        nonRetryable: true,
        details: [{ service, ...(status ? { status } : {}), horizonExceeded: true }],
      });
    }
    const nextTryAt = new Date(Date.now() + delayMs).toISOString();
    return ApplicationFailure.create({
      type: DOWNSTREAM_UNAVAILABLE,
      message: what,
      nonRetryable: false,
      nextRetryDelay: delayMs,
      details: [{ service, ...(status ? { status } : {}), nextTryAt }],
    });
  }

  async request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const text = await (await this.send(method, path, opts)).text();
    return (text ? JSON.parse(text) : undefined) as T;
  }

  get<T>(path: string, opts?: RequestOptions) {
    return this.request<T>('GET', path, opts);
  }
  post<T>(path: string, opts?: RequestOptions) {
    return this.request<T>('POST', path, opts);
  }
  put<T>(path: string, opts?: RequestOptions) {
    return this.request<T>('PUT', path, opts);
  }
  delete<T>(path: string, opts?: RequestOptions) {
    return this.request<T>('DELETE', path, opts);
  }
}

/** The HTTP status of a business refusal thrown by HttpClient, if `err` is one. */
export function refusalStatus(err: unknown): number | undefined {
  if (!(err instanceof ApplicationFailure) || err.type !== 'DownstreamRefused') return undefined;
  return (err.details?.[0] as { status?: number } | undefined)?.status;
}

/** A Retry-After header (delay in seconds, or an HTTP date) in milliseconds; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/** Path segment, encoded. */
export const seg = encodeURIComponent;
