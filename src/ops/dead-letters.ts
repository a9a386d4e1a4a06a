import type { DeadLetter, DeadLetterFilter, DeadLetters } from '../intake/dead-letters';
import type { AuditLog } from './audit';
import { streamEntryId, OpsConflictError, OpsNotFoundError } from './errors';
import { inTurn } from './in-turn';

/**
 * Dead letters for the on-call engineer: list them with their cause, and after fixing the cause put
 * them back in the outbox, one or in bulk. Re-queueing goes through the normal start path (the
 * forwarder, with the letter's own workflow ID), so a saga that already exists is a duplicate, never
 * a second run; a start Temporal still refuses comes back as a new dead letter with its cause. The
 * bulk form follows the bulk replay: a dry run counts, the confirmation sends that count back, and a
 * different count now is a 409. Every re-queue is audited next to the replays.
 */

const PREVIEW_ITEMS = 100;

export const deadLetterId = (raw: unknown): string => streamEntryId(raw, 'a dead letter');

/** The console's filter (checked by its schema, api-schemas.ts) as the dead letters name their fields. */
export function deadLetterFilterOf({ source, cause }: { source?: string; cause?: string } = {}): DeadLetterFilter {
  return { ...(source ? { source } : {}), ...(cause ? { causeClass: cause } : {}) };
}

export interface RequeueOutcome {
  id: string;
  workflowId?: string;
  result: 'requeued' | 'gone';
  outboxId?: string;
}

export interface BulkRequeuePreview {
  filter: DeadLetterFilter;
  /** Letters that would be re-queued: send this back as `expect` to confirm. */
  count: number;
  /** More match than OPS_REPLAY_MAX: narrow the filter. */
  truncated: boolean;
  items: DeadLetter[];
}

export function deadLetterConsole({ deadLetters, audit, maxBulk }: { deadLetters: DeadLetters; audit: AuditLog; maxBulk: number }) {
  async function candidates(filter: DeadLetterFilter) {
    const { items, truncated } = await deadLetters.list(filter, maxBulk);
    // An unreadable entry has no start to put back: it stays listed, for a person to look at.
    return { items: items.filter((l) => l.requeueable), truncated };
  }

  async function requeue(actor: string, letter: Pick<DeadLetter, 'id' | 'workflowId'>, jobId?: string): Promise<RequeueOutcome> {
    const outboxId = await deadLetters.requeue(letter.id);
    const outcome: RequeueOutcome = outboxId
      ? { id: letter.id, workflowId: letter.workflowId, result: 'requeued', outboxId }
      : { id: letter.id, workflowId: letter.workflowId, result: 'gone' };
    await audit.record({
      actor,
      action: 'requeue',
      deadLetterId: letter.id,
      ...(letter.workflowId ? { workflowIds: [letter.workflowId] } : {}),
      ...(jobId ? { jobId } : {}),
      outcome: outboxId ? 'requeued' : 'refused:gone',
    });
    return outcome;
  }

  return {
    list: (filter: DeadLetterFilter, limit: number) => deadLetters.list(filter, limit),

    async requeueOne(actor: string, id: string): Promise<RequeueOutcome> {
      const letter = await deadLetters.get(id);
      if (letter && !letter.requeueable) throw new OpsConflictError('dead_letter_unreadable', 'this entry has no start that can be read: nothing to re-queue');
      // A letter that is gone (re-queued by someone else) is audited as refused, like a refused replay.
      const outcome = await requeue(actor, letter ?? { id });
      if (outcome.result === 'gone') throw new OpsNotFoundError('dead_letter_not_found', `no dead letter ${id} (re-queued already?)`);
      return outcome;
    },

    async preview(filter: DeadLetterFilter): Promise<BulkRequeuePreview> {
      const { items, truncated } = await candidates(filter);
      return { filter, count: items.length, truncated, items: items.slice(0, PREVIEW_ITEMS) };
    },

    async requeueMany(actor: string, filter: DeadLetterFilter, expect: number) {
      const job = { what: 'dead letters', verb: 'requeue', actor, filter, found: await candidates(filter), expect, maxBulk, audit, outcomes: ['requeued', 'gone'] } as const;
      const { jobId, counts, results } = await inTurn(job, (letter, jobId) => requeue(actor, letter, jobId));
      return { jobId, ...counts, results };
    },
  };
}
