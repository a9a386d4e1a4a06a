import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Client } from '@temporalio/client';
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import type { Redis } from 'ioredis';
import type { AppConfig } from '../config';
import type { ApiRoute } from '../http/openapi';
import { opsAnswers, opsRefusals, opsRequests } from './api-schemas';
import { checkedInput, inputOf } from './input';
import type { Logger } from '../logger';
import { redisAuditLog, type AuditEntry, type AuditLog } from './audit';
import { authenticate, hasRole, principalOf, requireRole } from './auth';
import { bulkReplays } from './bulk';
import { deadLetterConsole, deadLetterFilterOf, deadLetterId } from './dead-letters';
import { DeadLetters } from '../intake/dead-letters';
import { redisKeys } from '../intake/redis';
import { OpsBadRequestError, OpsConflictError, OpsForbiddenError, OpsNotFoundError } from './errors';
import { opsErrorHandler } from './error-handler';
import { MAX_JSON_DEPTH, nestsDeeperThan } from '../http/json-depth';
import { causeReader } from './cause';
import { OUTCOMES, withKnownEventType, type SagaFilter, type Scope } from './filters';
import { countSagas, listSagas, searchSagas } from './find';
import { inspectSaga } from './inspect';
import { ReplayRefusedError, redisReplayGuard, replaySaga } from './replay';
import { refusedConsole, refusedId, type DeliveryPath } from './refused';
import { grpcCode } from '../intake/temporal';

/**
 * The API's routes as its OpenAPI description lists them (src/http/openapi.ts, served at /openapi.json):
 * keep each entry beside its route below in step with it. Mounted at /ops/api.
 */
export const OPS_API_ROUTES: readonly ApiRoute[] = [
  { method: 'get', path: '/me', summary: 'Who the token says you are, and what the console offers', role: 'any', responses: { 200: { description: 'The caller', schema: opsAnswers.me }, ...opsRefusals() } },
  { method: 'get', path: '/sagas', summary: 'Sagas matching a filter, newest first, a page at a time', role: 'viewer', query: opsRequests.sagaList, responses: { 200: { description: 'A page', schema: opsAnswers.sagaPage }, ...opsRefusals() } },
  { method: 'get', path: '/search', summary: 'Finds sagas by workflow ID, event key (or prefix*), vendor delivery id or request id', role: 'viewer', query: opsRequests.search, responses: { 200: { description: 'The sagas found', schema: opsAnswers.search }, ...opsRefusals() } },
  { method: 'get', path: '/counts', summary: 'Counts per outcome and source under a filter', role: 'viewer', query: opsRequests.counts, responses: { 200: { description: 'The counts', schema: opsAnswers.counts }, ...opsRefusals() } },
  {
    method: 'get',
    path: '/sagas/:workflowId',
    summary: 'One saga: why it failed, its step timeline, its delivery and input shape, every run',
    role: 'viewer',
    params: { workflowId: 'The workflow ID' },
    query: opsRequests.saga,
    responses: { 200: { description: 'The saga', schema: opsAnswers.sagaDetail }, ...opsRefusals({ 404: 'No such saga' }) },
  },
  {
    method: 'post',
    path: '/sagas/:workflowId/replay',
    summary: 'Replay a failed run: a new run with the original input under the same workflow ID',
    role: 'operator',
    params: { workflowId: 'The workflow ID' },
    body: opsRequests.replay,
    responses: { 201: { description: 'Replayed', schema: opsAnswers.replay }, ...opsRefusals({ 404: 'No such saga', 409: 'Refused: completed, running or already replayed (names the run in the way)' }) },
  },
  { method: 'post', path: '/replays/preview', summary: 'Dry run of a bulk replay', role: 'operator', body: opsRequests.bulkPreview, responses: { 200: { description: 'What would be replayed', schema: opsAnswers.bulkPreview }, ...opsRefusals() } },
  {
    method: 'post',
    path: '/replays',
    summary: 'Start a bulk replay, confirming the dry run count',
    role: 'operator',
    body: opsRequests.bulkStart,
    responses: { 202: { description: 'The job started', schema: opsAnswers.jobStarted }, ...opsRefusals({ 409: 'The filter now matches a different count' }) },
  },
  { method: 'get', path: '/replays/:jobId', summary: 'A bulk replay job', role: 'viewer', params: { jobId: 'The job' }, responses: { 200: { description: 'The job', schema: opsAnswers.job }, ...opsRefusals({ 404: 'No such job' }) } },
  {
    method: 'get',
    path: '/dead-letters',
    summary: 'Dead letters: accepted events whose start Temporal refused, with the cause',
    role: 'viewer',
    query: opsRequests.deadLetters,
    responses: { 200: { description: 'The dead letters', schema: opsAnswers.deadLetters }, ...opsRefusals() },
  },
  { method: 'post', path: '/dead-letters/:id/requeue', summary: 'Re-queue one dead letter', role: 'operator', params: { id: 'The dead letter' }, responses: { 201: { description: 'Re-queued, or gone', schema: opsAnswers.requeued }, ...opsRefusals() } },
  { method: 'post', path: '/dead-letters/requeue/preview', summary: 'Dry run of a bulk re-queue', role: 'operator', body: opsRequests.requeuePreview, responses: { 200: { description: 'What would be re-queued', schema: opsAnswers.requeuePreview }, ...opsRefusals() } },
  {
    method: 'post',
    path: '/dead-letters/requeue',
    summary: 'Re-queue every dead letter a filter matches, confirming the dry run count',
    role: 'operator',
    body: opsRequests.requeueMany,
    responses: { 200: { description: 'What was re-queued', schema: opsAnswers.requeuedMany }, ...opsRefusals({ 409: 'The filter now matches a different count' }) },
  },
  {
    method: 'get',
    path: '/refused',
    summary: 'Requests refused (400, 401, 415) or verified but unrouted, kept for re-processing; newest first, a page at a time',
    role: 'viewer',
    query: opsRequests.refused,
    responses: { 200: { description: 'A page, with the total the filter matches', schema: opsAnswers.refused }, ...opsRefusals() },
  },
  {
    method: 'post',
    path: '/refused/:id/reprocess',
    summary: 'Re-process one kept request: re-verified against today\'s configuration at its receipt time, then handled as a delivery',
    role: 'operator',
    params: { id: 'The kept request' },
    responses: { 200: { description: 'What it came to (a saga started, queued or found; refused again; still unrouted)', schema: opsAnswers.reprocessed }, ...opsRefusals({ 404: 'No such kept request (re-processed already?)', 409: 'It cannot be re-processed: credential_redacted, body_not_kept, body_expired, unknown_source' }) },
  },
  { method: 'post', path: '/refused/reprocess/preview', summary: 'Dry run of a bulk re-process', role: 'operator', body: opsRequests.reprocessPreview, responses: { 200: { description: 'What would be re-processed, and what is left out', schema: opsAnswers.reprocessPreview }, ...opsRefusals() } },
  {
    method: 'post',
    path: '/refused/reprocess',
    summary: 'Re-process every kept request a filter matches, confirming the dry run count',
    role: 'operator',
    body: opsRequests.reprocessMany,
    responses: { 200: { description: 'What each came to', schema: opsAnswers.reprocessedMany }, ...opsRefusals({ 409: 'The filter now matches a different count' }) },
  },
  { method: 'get', path: '/audit', summary: 'The newest audit entries', role: 'viewer', query: opsRequests.audit, responses: { 200: { description: 'The entries', schema: opsAnswers.audit }, ...opsRefusals() } },
];

export interface OpsDeps {
  config: AppConfig;
  logger: Logger;
  temporal: Client;
  redis: Redis;
  /** Registered source names, for the per-source counts and the page's source filter. */
  sources: readonly string[];
  /** The event types the sources route, as they spell them. */
  eventTypes?: readonly string[];
  audit?: AuditLog;
  /** The delivery path and the kept refused requests, for re-processing them (src/ops/refused.ts). */
  delivery: DeliveryPath;
  /** Aborted when the receiver stops: its bulk jobs are handed back for another receiver to resume. */
  signal?: AbortSignal;
}

/**
 * The page's static files: beside this module under tsx (src/ops/public), and in a compiled build
 * either copied next to the compiled module or, when the build did not copy them, in the source tree.
 */
export function findPublicDir(moduleDir: string = __dirname): string {
  const candidates = [join(moduleDir, 'public'), resolve(moduleDir, '..', '..', '..', 'src', 'ops', 'public')];
  const found = candidates.find((dir) => existsSync(join(dir, 'index.html')));
  if (!found) throw new Error(`ops console files not found in ${candidates.join(' or ')}`);
  return found;
}

/**
 * Strict: scripts and styles from this origin only, nothing inline, no framing. The token travels
 * only as a bearer header set by the page's script, so there is no cookie a forged request could use.
 */
const securityHeaders = helmet({
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
      defaultSrc: ["'none'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'"],
      imgSrc: ["'self'", 'data:'],
      connectSrc: ["'self'"],
      baseUri: ["'none'"],
      formAction: ["'none'"],
      frameAncestors: ["'none'"],
    },
  },
  referrerPolicy: { policy: 'no-referrer' },
});

/** gRPC UNKNOWN and INVALID_ARGUMENT: what Temporal answers a page token it cannot read. */
const TOKEN_REFUSED = new Set([2, 3]);

/**
 * An opaque token from an earlier page. One that is not even of the right form is refused by its
 * schema; one Temporal cannot read is refused by Temporal (a made-up cursor), and either is the
 * caller's mistake: 400, not 500.
 */
async function withPageToken<T>(token: string | undefined, list: (token: string | undefined) => Promise<T>): Promise<T> {
  if (token === undefined) return list(undefined);
  const refused = new OpsBadRequestError('bad_page_token', 'pageToken is not a token this API gave out');
  try {
    return await list(token);
  } catch (err) {
    const code = grpcCode(err);
    if (code !== undefined && TOKEN_REFUSED.has(code)) throw refused;
    throw err;
  }
}

/** The replay or re-queue decision a POST makes, by its path (dry runs decide nothing). */
function decisionOf(path: string): { action: AuditEntry['action']; bulk: boolean; workflowId?: string; deadLetterId?: string; refusedId?: string } | undefined {
  const one = /^\/sagas\/([^/]+)\/replay$/.exec(path);
  if (one) return { action: 'replay', bulk: false, workflowId: decodeURIComponent(one[1]!) };
  if (path === '/replays') return { action: 'bulk_replay_refused', bulk: true };
  const dead = /^\/dead-letters\/([^/]+)\/requeue$/.exec(path);
  if (dead && dead[1] !== 'requeue') return { action: 'requeue', bulk: false, deadLetterId: decodeURIComponent(dead[1]!) };
  if (path === '/dead-letters/requeue') return { action: 'bulk_requeue', bulk: true };
  const kept = /^\/refused\/([^/]+)\/reprocess$/.exec(path);
  if (kept && kept[1] !== 'reprocess') return { action: 'reprocess', bulk: false, refusedId: decodeURIComponent(kept[1]!) };
  if (path === '/refused/reprocess') return { action: 'bulk_reprocess', bulk: true };
  return undefined;
}

function workflowIdParam(req: Request): string {
  const id = req.params.workflowId;
  if (typeof id !== 'string' || id.length === 0 || id.length > 1000) throw new OpsBadRequestError('bad_request', 'bad workflow id');
  return id;
}

export function opsRouter({ config, logger, temporal, redis, sources, eventTypes = [], audit: auditOverride, delivery, signal }: OpsDeps): Router {
  const keys = redisKeys(config.intake.keyPrefix);
  const audit = auditOverride ?? redisAuditLog(redis, logger, config.ops.auditStream ?? keys.audit);
  const guard = redisReplayGuard(redis, keys.replayGuard, logger);
  // This deployment's sagas only: other workflows of the namespace are never listed, shown or replayed.
  const scope: Scope = { taskQueue: config.temporal.taskQueue, sources };
  const causes = causeReader(temporal);
  const bulk = bulkReplays({
    client: temporal,
    scope,
    causes,
    redis,
    jobKey: keys.replayJob,
    activeJobsKey: keys.activeReplayJobs,
    audit,
    logger,
    guard,
    concurrency: config.ops.replay.concurrency,
    maxBulk: config.ops.replay.maxBulk,
    signal,
  });
  const uiUrl = config.temporal.uiUrl;
  const deadLetters = deadLetterConsole({
    deadLetters: new DeadLetters(redis, config.intake.keyPrefix, config.intake.deadLetterMaxEntries, logger),
    audit,
    maxBulk: config.ops.replay.maxBulk,
  });
  const refused = refusedConsole({ path: delivery, audit, maxBulk: config.ops.replay.maxBulk, logger: logger.child({ component: 'reprocess' }) });

  /** Event types are matched whatever their case: a known type is searched as its sources spell it. */
  const filterOf = (filter: SagaFilter = {}) => withKnownEventType(filter, eventTypes);
  /** A route with a query or body checks them with its OPS_API_ROUTES schemas (src/ops/input.ts), after its role. */
  const checked = checkedInput(OPS_API_ROUTES);

  const api = Router();
  api.use((_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
  api.use(authenticate(config.ops.jwt));
  api.use(
    express.json({
      limit: '16kb',
      // Checked on the raw bytes before they are parsed (body-parser passes this error on as it is).
      verify: (_req, _res, bytes) => {
        if (nestsDeeperThan(bytes)) throw new OpsBadRequestError('body_too_deep', `JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
      },
    }),
  );

  api.get('/me', (_req, res) => {
    const principal = principalOf(res);
    res.json({ sub: principal.sub, roles: principal.roles, canReplay: hasRole(principal, 'operator'), sources, eventTypes, outcomes: OUTCOMES });
  });

  api.get('/sagas', requireRole('viewer'), checked, async (_req, res) => {
    const { pageSize, pageToken: token, ...filter } = inputOf(res, 'query', opsRequests.sagaList);
    res.json(await withPageToken(token, (pageToken) => listSagas(temporal, scope, causes, filterOf(filter), { pageSize, pageToken })));
  });

  api.get('/search', requireRole('viewer'), checked, async (_req, res) => {
    const { q, ...filter } = inputOf(res, 'query', opsRequests.search);
    res.json(await searchSagas(temporal, scope, causes, q, filterOf(filter)));
  });

  api.get('/counts', requireRole('viewer'), checked, async (_req, res) => {
    res.json(await countSagas(temporal, scope, causes, filterOf(inputOf(res, 'query', opsRequests.counts))));
  });

  api.get('/sagas/:workflowId', requireRole('viewer'), checked, async (req, res) => {
    res.json(await inspectSaga(temporal, scope, uiUrl, workflowIdParam(req), inputOf(res, 'query', opsRequests.saga).runId));
  });

  api.post('/sagas/:workflowId/replay', requireRole('operator'), checked, async (req, res) => {
    const workflowId = workflowIdParam(req);
    const actor = principalOf(res).sub;
    const expectedRunId = inputOf(res, 'body', opsRequests.replay).runId;
    try {
      const result = await replaySaga(temporal, workflowId, { by: actor, expectedRunId, guard, scope });
      await audit.record({ actor, action: 'replay', workflowIds: [workflowId], runId: result.runId, previousRunId: result.previousRunId, outcome: 'replayed' });
      res.status(201).json(result);
    } catch (err) {
      // The loser of a race is audited too, with the run that won.
      const refused = err instanceof ReplayRefusedError;
      const outcome = refused ? `refused:${err.refusal}` : `error:${(err as Error).message}`;
      await audit.record({ actor, action: 'replay', workflowIds: [workflowId], previousRunId: expectedRunId, runId: refused ? err.runId : undefined, outcome });
      throw err;
    }
  });

  api.post('/replays/preview', requireRole('operator'), checked, async (_req, res) => {
    res.json(await bulk.preview(filterOf(inputOf(res, 'body', opsRequests.bulkPreview).filter)));
  });

  api.post('/replays', requireRole('operator'), checked, async (_req, res) => {
    const { filter, expect } = inputOf(res, 'body', opsRequests.bulkStart);
    const job = await bulk.start(principalOf(res).sub, filterOf(filter), expect);
    res.status(202).json({ jobId: job.id, total: job.total });
  });

  api.get('/replays/:jobId', requireRole('viewer'), async (req, res) => {
    const job = await bulk.get(String(req.params.jobId));
    if (!job) throw new OpsNotFoundError('job_not_found', 'no such replay job');
    res.json(job);
  });

  api.get('/dead-letters', requireRole('viewer'), checked, async (_req, res) => {
    const { limit = 50, ...filter } = inputOf(res, 'query', opsRequests.deadLetters);
    res.json(await deadLetters.list(deadLetterFilterOf(filter), limit));
  });

  api.post('/dead-letters/:id/requeue', requireRole('operator'), async (req, res) => {
    res.status(201).json(await deadLetters.requeueOne(principalOf(res).sub, deadLetterId(req.params.id)));
  });

  api.post('/dead-letters/requeue/preview', requireRole('operator'), checked, async (_req, res) => {
    res.json(await deadLetters.preview(deadLetterFilterOf(inputOf(res, 'body', opsRequests.requeuePreview).filter)));
  });

  api.post('/dead-letters/requeue', requireRole('operator'), checked, async (_req, res) => {
    const { filter, expect } = inputOf(res, 'body', opsRequests.requeueMany);
    res.json(await deadLetters.requeueMany(principalOf(res).sub, deadLetterFilterOf(filter), expect));
  });

  api.get('/refused', requireRole('viewer'), checked, async (_req, res) => {
    const { limit = 50, before, ...filter } = inputOf(res, 'query', opsRequests.refused);
    res.json(await refused.list(filter, { limit, ...(before ? { before } : {}) }));
  });

  api.post('/refused/:id/reprocess', requireRole('operator'), async (req, res) => {
    res.json(await refused.reprocessOne(principalOf(res).sub, refusedId(req.params.id)));
  });

  api.post('/refused/reprocess/preview', requireRole('operator'), checked, async (_req, res) => {
    res.json(await refused.preview(inputOf(res, 'body', opsRequests.reprocessPreview).filter ?? {}));
  });

  api.post('/refused/reprocess', requireRole('operator'), checked, async (_req, res) => {
    const { filter = {}, expect } = inputOf(res, 'body', opsRequests.reprocessMany);
    res.json(await refused.reprocessMany(principalOf(res).sub, filter, expect));
  });

  api.get('/audit', requireRole('viewer'), checked, async (_req, res) => {
    const { limit = 50, before, ...filter } = inputOf(res, 'query', opsRequests.audit);
    res.json(await audit.page(limit, { before, filter }));
  });

  // A refused decision is audited like an accepted one: a viewer's replay (403), a stale or too wide bulk confirmation.
  api.use(async (err: unknown, req: Request, res: Response, next: NextFunction) => {
    const decision = req.method === 'POST' ? decisionOf(req.path) : undefined;
    const refused = err instanceof OpsForbiddenError || (decision?.bulk && (err instanceof OpsConflictError || err instanceof OpsBadRequestError));
    if (decision && refused) {
      const actor = (res.locals.principal as { sub?: string } | undefined)?.sub ?? 'unknown';
      const counts = err instanceof OpsConflictError && typeof err.details?.count === 'number' ? { count: err.details.count, expected: Number(req.body?.expect) } : undefined;
      await audit.record({ actor, action: decision.action, workflowIds: decision.workflowId ? [decision.workflowId] : undefined, deadLetterId: decision.deadLetterId, refusedId: decision.refusedId, outcome: `refused:${err.reason}`, counts, filter: decision.bulk ? req.body?.filter : undefined });
    }
    next(err);
  });
  api.use((_req, _res) => {
    throw new OpsNotFoundError('not_found', 'no such console endpoint');
  });
  api.use(opsErrorHandler(logger));

  const router = Router();
  router.use(securityHeaders);
  router.use('/api', api);
  router.use(express.static(findPublicDir(), { index: 'index.html', maxAge: '5m', redirect: true }));
  return router;
}
