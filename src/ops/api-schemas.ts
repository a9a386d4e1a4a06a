import { z } from 'zod';
import type { ApiResponse } from '../http/openapi';
import { OUTCOMES } from './filters';

/**
 * The console API's requests and answers as zod schemas, for its OpenAPI description (the route
 * list is in router.ts, beside the routes). They describe what the handlers send (find.ts,
 * inspect.ts, bulk.ts, dead-letters.ts, audit.ts); test/http/openapi.test.ts checks real answers.
 */
const ROW_OUTCOMES = [...OUTCOMES.filter((o) => o !== 'failed'), 'failed', 'other'] as const;
const when = z.string().meta({ description: 'ISO-8601' });

export const sagaFilter = z.object({
  outcome: z.enum(OUTCOMES).optional(),
  source: z.string().optional(),
  eventType: z.string().optional(),
  eventKey: z.string().optional().meta({ description: 'An exact key, or a prefix ending in *' }),
  from: when.optional(),
  to: when.optional(),
  failedStep: z.string().optional().meta({ description: 'A cause group: the step that failed' }),
  errorClass: z.string().optional().meta({ description: 'A cause group: the error class (e.g. "front 422")' }),
});

export const sagaListQuery = sagaFilter.extend({
  pageSize: z.coerce.number().int().min(1).max(200).optional(),
  pageToken: z.string().optional(),
});

export const deadLetterFilter = z.object({ source: z.string().optional(), cause: z.string().optional() });

/** A step that failed, or an undo that failed (core/saga/status.ts FailedStep). */
const failedStep = z.looseObject({ step: z.string(), phase: z.enum(['run', 'undo']), error: z.string(), attempts: z.number().optional(), key: z.string().optional() });

/** An activity Temporal is retrying (src/ops/pending.ts). */
const pendingActivity = z.object({ activity: z.string(), attempt: z.number(), lastError: z.string().optional(), state: z.string(), service: z.string().optional(), nextAttemptAt: when.optional() });

export const refusedFilter = z.object({
  source: z.string().optional(),
  reason: z.string().optional().meta({ description: 'The refusal code (signature_mismatch, malformed_json, …) or unrouted' }),
  from: when.optional(),
  to: when.optional(),
});

const sagaRow = z.object({
  workflowId: z.string(),
  runId: z.string(),
  saga: z.string(),
  status: z.string(),
  outcome: z.enum(ROW_OUTCOMES),
  source: z.string().optional(),
  eventType: z.string().optional(),
  eventKey: z.string().optional(),
  step: z.string().optional(),
  startTime: when,
  closeTime: when.optional(),
  latestRun: z.object({ runId: z.string(), status: z.string() }).optional(),
  replayable: z.boolean(),
  cause: z.looseObject({ errorClass: z.string(), message: z.string(), permanent: z.boolean(), failedStep: z.string().optional(), leftUndone: z.array(failedStep) }).optional(),
  needsAttention: z.boolean().optional(),
  runs: z.number().optional(),
  waiting: pendingActivity.optional(),
});

const causeGroup = z.object({ failedStep: z.string().optional(), errorClass: z.string(), permanent: z.boolean(), count: z.number(), leftUndone: z.number() });

const activityCall = z.looseObject({ activity: z.string(), state: z.string(), attempts: z.number(), scheduledAt: when.optional(), endedAt: when.optional(), error: z.string().optional() });

/** The delivery metadata a saga keeps (core/saga/input.ts DeliveryMeta). */
const delivery = z.looseObject({ source: z.string(), eventKey: z.string(), eventType: z.string(), workflowId: z.string(), receivedAt: when, deliveryId: z.string().optional(), requestId: z.string().optional() });

/** A value's shape, never the value (src/ops/inspect.ts). */
const valueShape = z.object({ type: z.string(), bytes: z.number().optional(), keys: z.number().optional(), items: z.number().optional() });

const deadLetter = z.object({
  id: z.string(),
  workflowId: z.string().optional(),
  saga: z.string().optional(),
  source: z.string().optional(),
  eventType: z.string().optional(),
  eventKey: z.string().optional(),
  queuedAt: when.optional(),
  deadAt: when,
  outboxId: z.string().optional(),
  requeueable: z.boolean(),
  cause: z.string(),
  causeType: z.string(),
  causeClass: z.string(),
});

const refusedRequest = z.object({
  id: z.string(),
  source: z.string(),
  kind: z.enum(['refused', 'unrouted']),
  status: z.number(),
  reason: z.string(),
  eventType: z.string().optional(),
  receivedAt: when,
  requestId: z.string(),
  client: z.string(),
  verified: z.boolean().meta({ description: 'The signature or token held when it arrived' }),
  method: z.string(),
  origin: z.string(),
  target: z.string(),
  headers: z.record(z.string(), z.union([z.string(), z.array(z.string())])),
  query: z.record(z.string(), z.union([z.string(), z.array(z.string())])),
  redacted: z.array(z.string()).meta({ description: 'What was replaced with [redacted]: header:<name>, query:<name>' }),
  reverifiable: z.boolean(),
  body: z.looseObject({ kept: z.enum(['inline', 'reference', 'no']), bytes: z.number(), sha256: z.string() }),
});

const reprocessOutcome = z.object({
  id: z.string(),
  source: z.string(),
  result: z.enum(['started', 'queued', 'duplicate', 'answered', 'refused', 'unrouted', 'not_reprocessable']),
  reverified: z.boolean(),
  workflowId: z.string().optional(),
  runId: z.string().optional(),
  workflowIds: z.array(z.string()).optional().meta({ description: 'A fan-out event: every saga\'s workflow, the first being workflowId' }),
  status: z.number().optional(),
  reason: z.string().optional(),
});

const requeueOutcome = z.object({ id: z.string(), workflowId: z.string().optional(), result: z.enum(['requeued', 'gone']), outboxId: z.string().optional() });

const itemResult = z.object({ workflowId: z.string(), result: z.enum(['replayed', 'refused', 'error']), runId: z.string().optional(), reason: z.string().optional() });

export const opsAnswers = {
  me: z.object({ sub: z.string(), roles: z.array(z.enum(['viewer', 'operator'])), canReplay: z.boolean(), sources: z.array(z.string()), eventTypes: z.array(z.string()), outcomes: z.array(z.enum(OUTCOMES)) }),
  search: z.object({ items: z.array(sagaRow), matchedBy: z.string().optional(), scanned: z.number().optional() }),
  sagaPage: z.object({ items: z.array(sagaRow), nextPageToken: z.string().optional(), total: z.number().optional(), groups: z.array(causeGroup).optional(), truncated: z.boolean().optional() }),
  counts: z.object({
    total: z.number(),
    byOutcome: z.record(z.enum(ROW_OUTCOMES.filter((o) => o !== 'other')), z.number()),
    permanent: z.number(),
    fixed: z.number(),
    bySource: z.record(z.string(), z.number()),
    truncated: z.boolean(),
  }),
  sagaDetail: z.object({
    workflowId: z.string(),
    runId: z.string(),
    saga: z.string(),
    taskQueue: z.string(),
    status: z.string(),
    outcome: z.enum(ROW_OUTCOMES),
    startTime: when,
    closeTime: when.optional(),
    historyLength: z.number(),
    searchAttributes: z.object({ source: z.string().optional(), eventKey: z.string().optional(), eventType: z.string().optional(), step: z.string().optional(), sagaOutcome: z.string().optional() }),
    delivery: delivery.optional(),
    replayOf: z.object({ previousRunId: z.string(), by: z.string(), at: when, ticket: z.string().optional() }).optional(),
    input: z.looseObject({ meta: delivery.optional(), parts: z.record(z.string(), valueShape.extend({ fields: z.record(z.string(), valueShape).optional() })) }).optional(),
    timeline: z.object({
      from: z.enum(['history', 'query']),
      steps: z.array(
        z.looseObject({
          step: z.string(),
          state: z.enum(['running', 'completed', 'failed', 'interrupted']),
          attempts: z.number().optional(),
          startedAt: when.optional(),
          endedAt: when.optional(),
          error: z.string().optional(),
          calls: z.array(activityCall),
          undo: z.looseObject({ state: z.enum(['undone', 'undo_failed', 'undoing']), error: z.string().optional(), attempts: z.number().optional(), calls: z.array(activityCall) }).optional(),
        }),
      ),
    }),
    failure: z
      .looseObject({
        type: z.string().optional(),
        message: z.string(),
        cause: z.string().optional(),
        saga: z
          .looseObject({
            saga: z.string(),
            outcome: z.enum(['compensated', 'compensation_failed']),
            failedStep: z.string(),
            error: z.string(),
            stepsDone: z.array(z.string()),
            stepsUndone: z.array(z.string()),
            stepsFailed: z.array(failedStep),
          })
          .optional(),
      })
      .optional(),
    cause: sagaRow.shape.cause,
    pending: z.array(pendingActivity),
    runs: z.array(z.object({ runId: z.string(), status: z.string(), startTime: when, closeTime: when.optional() })),
    replayable: z.boolean(),
    temporalUiUrl: z.string(),
  }),
  replay: z.object({ workflowId: z.string(), runId: z.string(), previousRunId: z.string() }),
  bulkPreview: z.object({
    filter: z.looseObject({}),
    count: z.number(),
    alreadyReplayed: z.number(),
    /** Left out unless asked: permanent failures, terminated or cancelled runs. */
    excluded: z.object({ permanent: z.number(), terminated: z.number() }),
    truncated: z.boolean(),
    items: z.array(sagaRow.pick({ workflowId: true, runId: true, outcome: true, source: true, eventType: true, step: true, startTime: true })),
  }),
  jobStarted: z.object({ jobId: z.string(), total: z.number() }),
  job: z.object({
    id: z.string(),
    actor: z.string(),
    filter: z.looseObject({}),
    state: z.enum(['running', 'following', 'done', 'interrupted']),
    total: z.number(),
    replayed: z.number(),
    refused: z.number(),
    errors: z.number(),
    outcomes: z.object({ completed: z.number(), failedAgain: z.number(), running: z.number() }),
    startedAt: when,
    finishedAt: when.optional(),
    interruptions: z.array(z.object({ at: when, handled: z.number(), by: z.string() })),
    results: z.array(itemResult),
  }),
  deadLetters: z.object({ total: z.number().meta({ description: 'Every dead letter, whatever the filter' }), items: z.array(deadLetter), truncated: z.boolean() }),
  requeued: requeueOutcome,
  requeuePreview: z.object({ filter: z.looseObject({}), count: z.number(), truncated: z.boolean(), items: z.array(deadLetter) }),
  requeuedMany: z.object({
    jobId: z.string(),
    total: z.number(),
    requeued: z.number(),
    gone: z.number(),
    results: z.array(requeueOutcome),
  }),
  refused: z.object({ total: z.number().meta({ description: 'Every kept request the filter matches' }), items: z.array(refusedRequest), next: z.string().optional() }),
  reprocessed: reprocessOutcome,
  reprocessPreview: z.object({
    filter: z.looseObject({}),
    count: z.number(),
    /** Left out: they cannot be re-processed (credential_redacted, body_not_kept, unknown_source). */
    excluded: z.record(z.string(), z.number()),
    truncated: z.boolean(),
    items: z.array(refusedRequest),
  }),
  reprocessedMany: z.object({ jobId: z.string(), counts: z.record(z.string(), z.number()), results: z.array(reprocessOutcome) }),
  audit: z.object({
    entries: z.array(
      z.looseObject({
        id: z.string().meta({ description: 'The entry\'s id: page on with ?before=' }),
        at: when,
        actor: z.string(),
        action: z.enum(['replay', 'bulk_replay_started', 'bulk_replay_refused', 'bulk_replay_resumed', 'bulk_replay_finished', 'requeue', 'bulk_requeue', 'reprocess', 'bulk_reprocess']),
        workflowIds: z.array(z.string()).optional(),
        jobId: z.string().optional(),
        deadLetterId: z.string().optional(),
        refusedId: z.string().optional(),
        outcome: z.string(),
        runId: z.string().optional(),
        previousRunId: z.string().optional(),
        filter: z.record(z.string(), z.unknown()).optional(),
        counts: z.record(z.string(), z.number()).optional(),
      }),
    ),
  }),
};

/** The JSON of one console answer, by its name in opsAnswers (scripts/ops.ts reads them so). */
export type OpsAnswer<K extends keyof typeof opsAnswers> = z.infer<(typeof opsAnswers)[K]>;

/** Every console refusal: `{ error, message, ...details }` (src/ops/error-handler.ts). */
const opsError = z.looseObject({ error: z.string(), message: z.string() });

/** The refusals every console route may answer. */
export function opsRefusals(extra: Record<number, string> = {}): Record<number, ApiResponse> {
  const base: Record<number, string> = {
    400: 'A malformed request: a filter, page token, run id, JSON nested too deep (bad_filter, bad_page_token, bad_run_id, body_too_deep)',
    401: 'No token, or one not accepted or expired',
    403: 'The token lacks the role',
    503: 'No key configured to verify tokens (OPS_JWT_SECRET or OPS_JWT_PUBLIC_KEY)',
  };
  return Object.fromEntries(Object.entries({ ...base, ...extra }).map(([status, description]) => [Number(status), { description, schema: opsError }]));
}
