import { z } from 'zod';
import type { ApiResponse } from '../http/openapi';
import { SEARCH_PREFIX_LENGTH, searchablePrefix } from '../../core/workflow-id';
import { STREAM_ENTRY_ID } from './errors';
import { OUTCOMES, SEARCHABLE } from './filters';

/**
 * The console API's requests and answers as zod schemas, for its OpenAPI description (the route
 * list is in router.ts, beside the routes). The requests' schemas are also what the router checks
 * them with; the answers' describe what the handlers send (find.ts, inspect.ts, bulk.ts,
 * dead-letters.ts, audit.ts); test/http/openapi.test.ts checks real answers.
 */
const ROW_OUTCOMES = [...OUTCOMES.filter((o) => o !== 'failed'), 'failed', 'other'] as const;
const when = z.string().meta({ description: 'ISO-8601' });

/**
 * What a console request may carry, and the refusal a bad value gets: the router checks every route's
 * query and body with these (src/ops/input.ts) before its handler runs, and answers the first bad
 * field with its reason, `{ error: reason, message, field? }`. A field without a reason of its own is
 * a `bad_request`. Empty strings and nulls count as absent.
 */
export const refusals = z.registry<{ reason: string; field: boolean }>();

function refusedAs<T extends z.ZodType>(reason: string, schema: T, { field = true } = {}): T {
  refusals.add(schema, { reason, field });
  return schema;
}

/** Printable, no quote or backslash, at most 200 characters: a value quoted into a visibility query (src/ops/filters.ts). */
const searchable = (name: string) => {
  const message = `${name} has characters the console does not search for`;
  return refusedAs('bad_filter', z.string({ error: message }).regex(SEARCHABLE).trim());
};

/** true or false, as JSON or in a query string; false is as good as absent. */
const flag = (name: string) =>
  refusedAs(
    'bad_filter',
    z.union([z.boolean(), z.enum(['true', 'false'])], { error: `${name} is true or false` }).transform((v) => (v === true || v === 'true' ? true : undefined)),
  );

const time = (name: string) =>
  refusedAs(
    'bad_filter',
    searchable(name)
      .refine((v) => !Number.isNaN(new Date(v).getTime()), { error: `${name} is not a date` })
      .transform((v) => new Date(v).toISOString()),
  );

/**
 * An exact event key is searched by its search-attribute form (core/workflow-id.ts), always safe to
 * quote, so it may hold any character; a prefix must be plain and short enough to lie within every
 * key's search form.
 */
const eventKey = refusedAs(
  'bad_filter',
  z.string({ error: 'eventKey must be a string' }).refine((v) => !v.endsWith('*') || searchablePrefix(v.slice(0, -1)), {
    error: `an eventKey prefix (ending in *) is at most ${SEARCH_PREFIX_LENGTH} characters (UTF-16 units) without quotes, backslashes or control characters; search the exact key instead`,
  }),
);

/** Temporal run IDs are UUIDs: anything else is the caller's mistake (Temporal would refuse it as invalid, a 500 here). */
const runId = refusedAs('bad_run_id', z.string({ error: 'runId is not a run id' }).regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/));

/** The dry run's count, sent back to confirm a bulk action. */
const expected = refusedAs('confirmation_required', z.number({ error: 'send expect: the count the dry run showed' }).int().min(1), { field: false });

/** How many entries to read: out of range is brought into 1..500, anything else is the default. */
const limit = z.coerce
  .number()
  .catch(50)
  .transform((n) => Math.min(Math.max(Math.trunc(n) || 50, 1), 500))
  .meta({ description: '1..500 (brought into range), default 50' });

export const sagaFilter = z.object({
  outcome: refusedAs('bad_filter', z.enum(OUTCOMES, { error: `outcome must be one of ${OUTCOMES.join(', ')}` })).optional(),
  source: searchable('source').optional(),
  eventType: searchable('eventType').optional().meta({ description: 'Matched whatever its case' }),
  eventKey: eventKey.optional().meta({ description: 'An exact key, or a prefix ending in *' }),
  from: time('from').optional().meta({ description: 'Started at or after (ISO-8601)' }),
  to: time('to').optional().meta({ description: 'Started before (ISO-8601)' }),
  taskQueue: searchable('taskQueue').optional(),
  failedStep: searchable('failedStep').optional().meta({ description: 'A cause group: the step that failed' }),
  errorClass: searchable('errorClass').optional().meta({ description: 'A cause group: the error class (e.g. "front 422")' }),
  includePermanent: flag('includePermanent').optional().meta({ description: 'Bulk replay: also permanent failures' }),
  includeTerminated: flag('includeTerminated').optional().meta({ description: 'Bulk replay: also terminated and canceled runs' }),
});

const plainName = (field: string) => refusedAs('bad_filter', z.string({ error: `${field} must be a name` }).regex(/^[A-Za-z0-9_-]{1,64}$/));

export const deadLetterFilter = z.object({ source: plainName('source').optional(), cause: plainName('cause').optional() });

/** A refusal code (signature_mismatch, malformed_json, …) or a source name. */
const refusalName = (field: string) => refusedAs('bad_filter', z.string({ error: `${field} must be a name` }).regex(/^[A-Za-z0-9_.-]{1,64}$/));

export const refusedFilter = z.object({
  source: refusalName('source').optional(),
  reason: refusalName('reason').optional().meta({ description: 'The refusal code (signature_mismatch, malformed_json, …) or unrouted' }),
  from: time('from').optional().meta({ description: 'Received at or after (ISO-8601)' }),
  to: time('to').optional().meta({ description: 'Received before (ISO-8601)' }),
});

const auditValue = (name: string) => refusedAs('bad_filter', z.string({ error: `${name} must be one value` }).max(1000)).optional();

const pageTokenMessage = 'pageToken is not a token this API gave out';
const SEARCH_MESSAGE = 'q is a workflow ID, an event key (or prefix*), a delivery id or a request id';

/** Base64url of a JSON object: the form of Temporal's visibility page tokens (SQL and Elasticsearch). */
function isJsonObjectInBase64url(token: string): boolean {
  try {
    const value: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}

/** The query or body of each console route, by the route (the list in router.ts). */
export const opsRequests = {
  sagaList: sagaFilter.extend({
    pageSize: refusedAs('bad_request', z.coerce.number({ error: 'pageSize must be 1..200' }).int().min(1).max(200), { field: false }).optional(),
    /** An opaque token from an earlier page; one Temporal cannot read is refused too (router.ts). */
    pageToken: refusedAs(
      'bad_page_token',
      z.string({ error: pageTokenMessage }).regex(/^[A-Za-z0-9_-]{1,4096}$/).refine(isJsonObjectInBase64url),
      { field: false },
    ).optional(),
  }),
  search: sagaFilter.extend({
    q: refusedAs('bad_request', z.string({ error: SEARCH_MESSAGE }).trim().min(1).max(1000)),
  }),
  counts: sagaFilter,
  saga: z.object({ runId: runId.optional() }),
  replay: z.object({ runId: runId.optional() }),
  bulkPreview: z.object({ filter: sagaFilter.optional() }),
  bulkStart: z.object({ filter: sagaFilter.optional(), expect: expected }),
  deadLetters: deadLetterFilter.extend({ limit: limit.optional() }),
  requeuePreview: z.object({ filter: deadLetterFilter.optional() }),
  requeueMany: z.object({ filter: deadLetterFilter.optional(), expect: expected }),
  refused: refusedFilter.extend({
    limit: limit.optional(),
    before: refusedAs('bad_page_token', z.string({ error: 'before is not a refused request id' }).regex(STREAM_ENTRY_ID), { field: false })
      .optional()
      .meta({ description: 'The next page: the `next` of the previous one' }),
  }),
  reprocessPreview: z.object({ filter: refusedFilter.optional() }),
  reprocessMany: z.object({ filter: refusedFilter.optional(), expect: expected }),
  audit: z.object({
    limit: limit.optional(),
    before: refusedAs('bad_page_token', z.string({ error: 'before is not an audit entry id' }).regex(STREAM_ENTRY_ID), { field: false })
      .optional()
      .meta({ description: "An entry's id: the entries before it" }),
    actor: auditValue('actor'),
    workflowId: auditValue('workflowId'),
    action: auditValue('action'),
  }),
};

/** A step that failed, or an undo that failed (core/saga/status.ts FailedStep). */
const failedStep = z.looseObject({ step: z.string(), phase: z.enum(['run', 'undo']), error: z.string(), attempts: z.number().optional(), key: z.string().optional() });

/** An activity Temporal is retrying (src/ops/pending.ts). */
const pendingActivity = z.object({ activity: z.string(), attempt: z.number(), lastError: z.string().optional(), state: z.string(), service: z.string().optional(), nextAttemptAt: when.optional() });


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
    400: 'A malformed request, `{ error, message, field? }`: a filter, page token, run id, missing confirmation, JSON nested too deep (bad_filter, bad_page_token, bad_run_id, confirmation_required, body_too_deep, bad_request)',
    401: 'No token, or one not accepted or expired',
    403: 'The token lacks the role',
    503: 'No key configured to verify tokens (OPS_JWT_SECRET or OPS_JWT_PUBLIC_KEY)',
  };
  return Object.fromEntries(Object.entries({ ...base, ...extra }).map(([status, description]) => [Number(status), { description, schema: opsError }]));
}
