import type { AuditLog } from './audit';
import { confirmBulk } from './errors';

export interface InTurnJob<T> {
  /** What the entries are, for the count check's refusal (`dead letters`, `refused requests`). */
  what: string;
  /** `requeue` | `reprocess`: the job id's prefix and the audit action `bulk_<verb>`. */
  verb: 'requeue' | 'reprocess';
  actor: string;
  filter: object;
  found: { items: T[]; truncated: boolean };
  /** The dry run's count, which the real run must echo. */
  expect: number;
  maxBulk: number;
  audit: AuditLog;
  /** Outcomes counted even when none came to them. */
  outcomes?: readonly string[];
}

/**
 * A bulk job over entries the intake kept (dead letters, refused requests): the count confirmed
 * against the dry run, then one entry at a time (the engine's start rate and the vendors' own
 * traffic come first), the outcomes counted and the job audited once.
 */
export async function inTurn<T, R extends { result: string }>(job: InTurnJob<T>, one: (item: T, jobId: string) => Promise<R>) {
  const { items, truncated } = job.found;
  confirmBulk(job.what, { count: items.length, truncated }, job.expect, job.maxBulk);
  const jobId = `${job.verb}-${Date.now()}`;
  const results: R[] = [];
  for (const item of items) results.push(await one(item, jobId));
  const counts: Record<string, number> = { total: items.length, ...Object.fromEntries((job.outcomes ?? []).map((o) => [o, 0])) };
  for (const r of results) counts[r.result] = (counts[r.result] ?? 0) + 1;
  await job.audit.record({ actor: job.actor, action: `bulk_${job.verb}`, jobId, outcome: 'finished', filter: { ...job.filter }, counts });
  return { jobId, counts, results };
}
