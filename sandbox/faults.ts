import { SERVICES, type Fault, type Service } from './types';

/** Checks a POST /_sandbox/faults body; a string is the problem, answered 400. */
export function parseFault(body: unknown, id: string): Fault | string {
  const b = (body ?? {}) as Record<string, unknown>;
  if (b.service !== undefined && !SERVICES.includes(b.service as Service)) return `service must be one of ${SERVICES.join(', ')} (or absent: any)`;
  if (b.method !== undefined && typeof b.method !== 'string') return 'method must be a string';
  if (b.path !== undefined) {
    if (typeof b.path !== 'string') return 'path must be a string (a regular expression)';
    try {
      new RegExp(b.path);
    } catch {
      return 'path is not a valid regular expression';
    }
  }
  const int = (v: unknown, min: number, max: number) => v === undefined || (Number.isInteger(v) && (v as number) >= min && (v as number) <= max);
  if (!int(b.status, 100, 599)) return 'status must be an HTTP status';
  if (!int(b.times, 1, 1_000_000)) return 'times must be a positive integer';
  if (!int(b.after, 0, 1_000_000)) return 'after must be a count of requests to let through';
  if (!int(b.delayMs, 0, 600_000)) return 'delayMs must be 0..600000';
  if (!int(b.retryAfter, 0, 86_400)) return 'retryAfter must be 0..86400 seconds';
  if (b.retryAfter !== undefined && b.status === undefined) return 'retryAfter goes with a status';
  if (b.status === undefined && b.delayMs === undefined) return 'give a status to fail with, or delayMs to answer late';
  return {
    id,
    ...(b.service !== undefined ? { service: b.service as Service } : {}),
    ...(b.method ? { method: (b.method as string).toUpperCase() } : {}),
    ...(b.path ? { path: b.path as string } : {}),
    ...(b.status !== undefined ? { status: b.status as number } : {}),
    ...(b.times !== undefined ? { times: b.times as number } : {}),
    ...(b.after !== undefined ? { after: b.after as number } : {}),
    ...(b.delayMs !== undefined ? { delayMs: b.delayMs as number } : {}),
    ...(b.retryAfter !== undefined ? { retryAfter: b.retryAfter as number } : {}),
    ...(typeof b.message === 'string' ? { message: b.message } : {}),
    hits: 0,
    passed: 0,
  };
}
