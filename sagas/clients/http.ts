import { ApplicationFailure } from '@temporalio/common';

/**
 * The HTTP client every downstream API client is built on (activities only, never workflows).
 * - Every write carries an `Idempotency-Key`, derived by the caller from the workflow ID and the
 *   step, so a retried or re-run activity never repeats an effect downstream.
 * - A 4xx other than 408/409/429 is a business refusal: non-retryable, the saga compensates.
 * - 5xx, 408, 429 and network trouble are plain errors: Temporal retries them with backoff.
 */
export interface HttpClientOptions {
  baseUrl: string;
  token?: string;
  /** Name used in errors, e.g. `turvo`. */
  service: string;
  timeoutMs?: number;
}

export interface RequestOptions {
  idempotencyKey?: string;
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  signal?: AbortSignal;
}

const RETRYABLE_4XX = new Set([408, 409, 429]);
export const DEFAULT_HTTP_TIMEOUT_MS = 10_000;

export class HttpClient {
  constructor(private readonly options: HttpClientOptions) {}

  async request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const url = new URL(this.options.baseUrl.replace(/\/$/, '') + path);
    for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const headers: Record<string, string> = { accept: 'application/json' };
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    if (this.options.token) headers.authorization = `Bearer ${this.options.token}`;
    if (opts.idempotencyKey) headers['idempotency-key'] = opts.idempotencyKey;

    const timeout = AbortSignal.timeout(this.options.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS);
    const response = await fetch(url, {
      method,
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      signal: opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout,
    });
    const text = await response.text();
    if (!response.ok) {
      const what = `${this.options.service} ${method} ${url.pathname} answered ${response.status}`;
      if (response.status >= 400 && response.status < 500 && !RETRYABLE_4XX.has(response.status)) {
        throw ApplicationFailure.nonRetryable(`${what}: ${text.slice(0, 200)}`, 'DownstreamRefused', {
          status: response.status,
        });
      }
      throw new Error(what);
    }
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
