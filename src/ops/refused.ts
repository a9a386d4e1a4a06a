import { DeliveryError, ServiceUnavailableError } from '../../core/errors';
import type { Delivery, SourceAdapter } from '../../sources/types';
import { handleVerified, startsResult, verifyDelivery } from '../http/webhooks';
import type { Intake } from '../intake/intake';
import type { RefusedFilter, RefusedRequest, RefusedRequests } from '../intake/refused';
import type { Logger } from '../logger';
import type { AuditLog } from './audit';
import { streamEntryId, OpsConflictError, OpsNotFoundError, OpsUnavailableError } from './errors';
import { inTurn } from './in-turn';

/**
 * Refused and unrouted requests for the on-call engineer (kept by src/intake/refused.ts): list them
 * by source, reason and time, and after the fix (a rotated secret, a new route) re-process them, one
 * or all that match. Re-processing is a delivery again, through the handler's own path
 * (src/http/webhooks.ts): verified against today's configuration with the original receipt time as
 * "now", then decided and handed to the intake, so the workflow ID and the dedup are the delivery's
 * (re-processed twice, or also redelivered by the vendor: one saga). A request whose credential was
 * redacted is not re-verified: it is refused as `credential_redacted`, unless its credential held when
 * it arrived (an unrouted event, or a body malformed after verification), which is then trusted as the
 * outbox's entries are. What was handled (a saga started, queued, found, or a handshake answered)
 * leaves the list; what is refused again stays, with today's reason. Every decision is audited.
 */

export interface DeliveryPath {
  adapters: ReadonlyMap<string, SourceAdapter>;
  intake: Intake;
  refused: RefusedRequests;
}

export type ReprocessResult = 'started' | 'queued' | 'duplicate' | 'answered' | 'refused' | 'unrouted' | 'not_reprocessable';

export interface ReprocessOutcome {
  id: string;
  source: string;
  result: ReprocessResult;
  /** Whether the signature was checked again (false: trusted from receipt, or not attempted). */
  reverified: boolean;
  workflowId?: string;
  runId?: string;
  /** A fan-out event: every saga's workflow, the first being `workflowId`. */
  workflowIds?: string[];
  /** For `refused`: today's status and reason; for `not_reprocessable`: why. */
  status?: number;
  reason?: string;
}

const PREVIEW_ITEMS = 100;

export const refusedId = (raw: unknown): string => streamEntryId(raw, 'a refused request');

/** Why an entry cannot be re-processed at all (nothing is attempted), or undefined. */
function notReprocessable(entry: RefusedRequest, adapters: ReadonlyMap<string, SourceAdapter>): string | undefined {
  if (!adapters.has(entry.source)) return 'unknown_source';
  if (entry.body.kept === 'no') return 'body_not_kept';
  if (!entry.reverifiable && !entry.verified) return 'credential_redacted';
  return undefined;
}

const EXPLAINED: Record<string, string> = {
  unknown_source: 'its source is no longer configured',
  body_not_kept: 'its body was too large to keep for a request that did not verify',
  body_expired: 'its body has expired from the payload store',
  credential_redacted: 'its credential (a token, a password or an API key) was redacted when it was kept: it cannot be re-verified',
};

export function refusedConsole({ path, audit, maxBulk, logger }: { path: DeliveryPath; audit: AuditLog; maxBulk: number; logger: Logger }) {
  const { adapters, intake, refused } = path;

  async function attempt(entry: RefusedRequest): Promise<ReprocessOutcome> {
    const base = { id: entry.id, source: entry.source };
    const why = notReprocessable(entry, adapters);
    if (why) return { ...base, result: 'not_reprocessable', reverified: false, reason: why };
    const rawBody = await refused.body(entry);
    if (!rawBody) return { ...base, result: 'not_reprocessable', reverified: false, reason: 'body_expired' };
    const source = adapters.get(entry.source)!;
    const delivery: Delivery = {
      headers: entry.headers,
      rawBody,
      query: entry.query as Delivery['query'],
      request: { method: entry.method, origin: entry.origin, target: entry.target },
      receivedAt: new Date(entry.receivedAt),
    };
    const log = logger.child({ requestId: entry.requestId, source: entry.source, refusedId: entry.id });
    try {
      if (entry.reverifiable) verifyDelivery(source, delivery, delivery.receivedAt);
      const outcome = await handleVerified(source, delivery, { intake, requestId: entry.requestId, log });
      const reverified = entry.reverifiable;
      if (outcome.action === 'ignore') return { ...base, result: 'unrouted', reverified, reason: outcome.reason };
      await refused.remove(entry.id);
      if (outcome.action === 'respond') return { ...base, result: 'answered', reverified, status: outcome.status };
      // A fan-out starts several sagas: the first is the event's own workflow, the others are listed too.
      const { starts } = outcome;
      const [first] = starts;
      return {
        ...base,
        result: startsResult(starts),
        reverified,
        workflowId: first!.workflowId,
        ...('runId' in first!.result ? { runId: first!.result.runId } : {}),
        ...(starts.length > 1 ? { workflowIds: starts.map((s) => s.workflowId) } : {}),
      };
    } catch (err) {
      if (err instanceof ServiceUnavailableError) throw new OpsUnavailableError('intake_unavailable', 'neither Temporal nor Redis took the event: try again shortly');
      if (err instanceof DeliveryError) return { ...base, result: 'refused', reverified: entry.reverifiable, status: err.status, reason: err.reason };
      throw err;
    }
  }

  async function reprocess(actor: string, entry: RefusedRequest, jobId?: string): Promise<ReprocessOutcome> {
    let outcome: ReprocessOutcome;
    try {
      outcome = await attempt(entry);
    } catch (err) {
      await audit.record({ actor, action: 'reprocess', refusedId: entry.id, ...(jobId ? { jobId } : {}), outcome: `error:${(err as Error).message}` });
      throw err;
    }
    await audit.record({
      actor,
      action: 'reprocess',
      refusedId: entry.id,
      ...(outcome.workflowId ? { workflowIds: outcome.workflowIds ?? [outcome.workflowId] } : {}),
      ...(outcome.runId ? { runId: outcome.runId } : {}),
      ...(jobId ? { jobId } : {}),
      outcome: outcome.reason ? `${outcome.result}:${outcome.reason}` : outcome.result,
    });
    return outcome;
  }

  /** Up to maxBulk matching entries, and those left out because they cannot be re-processed. */
  async function candidates(filter: RefusedFilter) {
    const { items, total } = await refused.list(filter, { limit: maxBulk });
    const excluded: Record<string, number> = {};
    const reprocessable: RefusedRequest[] = [];
    for (const entry of items) {
      const why = notReprocessable(entry, adapters);
      if (why) excluded[why] = (excluded[why] ?? 0) + 1;
      else reprocessable.push(entry);
    }
    return { items: reprocessable, excluded, truncated: total > items.length };
  }

  return {
    list: (filter: RefusedFilter, page: { limit: number; before?: string }) => refused.list(filter, page),

    async reprocessOne(actor: string, id: string): Promise<ReprocessOutcome> {
      const entry = await refused.get(id);
      if (!entry) {
        await audit.record({ actor, action: 'reprocess', refusedId: id, outcome: 'refused:gone' });
        throw new OpsNotFoundError('refused_request_not_found', `no refused request ${id} (re-processed already, or past its retention)`);
      }
      const outcome = await reprocess(actor, entry);
      if (outcome.result === 'not_reprocessable') throw new OpsConflictError(outcome.reason!, `not re-processed: ${EXPLAINED[outcome.reason!] ?? outcome.reason}`, { id });
      return outcome;
    },

    async preview(filter: RefusedFilter) {
      const { items, excluded, truncated } = await candidates(filter);
      return { filter, count: items.length, excluded, truncated, items: items.slice(0, PREVIEW_ITEMS) };
    },

    async reprocessMany(actor: string, filter: RefusedFilter, expect: number) {
      const job = { what: 'refused requests', verb: 'reprocess', actor, filter, found: await candidates(filter), expect, maxBulk, audit } as const;
      return inTurn(job, (entry, jobId) => reprocess(actor, entry, jobId));
    },
  };
}
