import { ApplicationFailure } from '@temporalio/common';

/**
 * The HTTP client every downstream API client is built on (activities only, never workflows).
 * - Every write carries an `Idempotency-Key`, derived by the saga from the workflow ID, the run and
 *   the step, so a retried or re-run activity never repeats an effect downstream.
 * - Undos name the write they reverse by that same key (`?idempotency_key=`): the downstream knows
 *   what each key did, so an undo is exact, and a no-op when the write never happened.
 * - A 4xx other than 408/409/429 is a business refusal: non-retryable, the saga compensates.
 *   Activities rely on it meaning "nothing changed" (see refusedForSure in sagas/workflows/saga.ts).
 * - 5xx, 408, 429 and network trouble are plain errors: Temporal retries them with backoff.
 */
export interface HttpClientOptions {
  baseUrl: string;
  token?: string;
  /** Name used in errors, e.g. `turvo`. */
  service: string;
  timeoutMs?: number;
  /** The running activity's cancellation signal, so a cancelled activity (worker shutdown) stops waiting. */
  cancellation?: () => AbortSignal | undefined;
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
    const response = await fetch(url, { method, headers, body, signal: AbortSignal.any(signals) });
    if (!response.ok) {
      const text = await response.text().catch(() => '');
      const what = `${this.options.service} ${method} ${url.pathname} answered ${response.status}`;
      if (response.status >= 400 && response.status < 500 && !RETRYABLE_4XX.has(response.status)) {
        throw ApplicationFailure.nonRetryable(`${what}: ${text.slice(0, ERROR_BODY_CHARS)}`, 'DownstreamRefused', { status: response.status });
      }
      throw new Error(what);
    }
    return response;
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

/** Path segment, encoded. */
export const seg = encodeURIComponent;
