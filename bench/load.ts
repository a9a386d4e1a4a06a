/**
 * A small load generator: `concurrency` requests in flight at all times (closed loop), or, with
 * `ratePerSecond`, requests due at that rate on up to `concurrency` connections (open loop); each
 * new one made by `next()`, for `durationMs` or `maxRequests`, whichever comes first. Keep-alive
 * sockets, so it measures the server, not connection set-up. Latency is time to the full answer.
 */
import http from 'node:http';

export interface Sample {
  body: Buffer;
  headers: Record<string, string>;
  path: string;
}

export interface LoadResult {
  requests: number;
  errors: number;
  /** Answers by status code (errors are network failures, not counted here). */
  statuses: Record<string, number>;
  seconds: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
}

export interface LoadOptions {
  concurrency: number;
  durationMs: number;
  maxRequests: number;
  /**
   * Open loop: the n-th request is due n / rate seconds after the start, as a vendor's burst comes
   * whatever the answers do. Its latency counts from when it was due, so a server that falls behind
   * is charged for the wait too (no coordinated omission).
   */
  ratePerSecond?: number;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export function summarise(latencies: number[], errors: number, statuses: Record<string, number>, seconds: number): LoadResult {
  const sorted = Float64Array.from(latencies).sort();
  const list = Array.from(sorted);
  return {
    requests: latencies.length,
    errors,
    statuses,
    seconds: Number(seconds.toFixed(2)),
    rps: Number((latencies.length / seconds).toFixed(1)),
    p50Ms: Number(percentile(list, 50).toFixed(2)),
    p99Ms: Number(percentile(list, 99).toFixed(2)),
  };
}

/** What one or more runs recorded, before it is summarised. */
export interface Recording {
  latencies: number[];
  errors: number;
  statuses: Record<string, number>;
  seconds: number;
}

export function merge(recordings: Recording[]): Recording {
  const statuses: Record<string, number> = {};
  for (const r of recordings) for (const [k, v] of Object.entries(r.statuses)) statuses[k] = (statuses[k] ?? 0) + v;
  return {
    latencies: recordings.flatMap((r) => r.latencies),
    errors: recordings.reduce((n, r) => n + r.errors, 0),
    statuses,
    seconds: recordings.reduce((n, r) => n + r.seconds, 0),
  };
}

export const summary = (r: Recording): LoadResult => summarise(r.latencies, r.errors, r.statuses, r.seconds);

/** Runs `task` with a fixed number in flight; each call's duration is one latency sample. */
export async function closedLoop(task: () => Promise<string>, options: LoadOptions): Promise<LoadResult> {
  return summary(await record(task, options));
}

export async function record(task: () => Promise<string>, options: LoadOptions): Promise<Recording> {
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let errors = 0;
  let started = 0;
  const start = performance.now();
  const deadline = start + options.durationMs;
  const rate = options.ratePerSecond;
  async function lane(): Promise<void> {
    while (started < options.maxRequests && performance.now() < deadline) {
      const due = rate ? start + (started * 1000) / rate : performance.now();
      started++;
      if (due >= deadline) break;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      // A timer can fire a little early: then the request is timed from when it was sent.
      const t0 = Math.min(due, performance.now());
      try {
        const status = await task();
        statuses[status] = (statuses[status] ?? 0) + 1;
        latencies.push(performance.now() - t0);
      } catch {
        errors++;
      }
    }
  }
  await Promise.all(Array.from({ length: options.concurrency }, lane));
  return { latencies, errors, statuses, seconds: (performance.now() - start) / 1000 };
}

export function httpPoster(baseUrl: string, concurrency: number): { post: (s: Sample) => Promise<string>; close: () => void } {
  const url = new URL(baseUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const post = (sample: Sample) =>
    new Promise<string>((resolve, reject) => {
      const req = http.request(
        { host: url.hostname, port: url.port, method: 'POST', path: sample.path, agent, headers: { 'content-type': 'application/json', 'content-length': String(sample.body.length), ...sample.headers } },
        (res) => {
          res.resume();
          res.on('end', () => resolve(String(res.statusCode)));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(sample.body);
    });
  return { post, close: () => agent.destroy() };
}
