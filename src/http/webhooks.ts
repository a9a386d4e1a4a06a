import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { DeliveryError, MalformedPayloadError, UnknownSourceError, UnsupportedMediaTypeError } from '../../core/errors';
import type { Intake, IntakeResult } from '../intake/intake';
import type { KeepRequest, RefusedRequests } from '../intake/refused';
import type { Logger } from '../logger';
import { eventKeySearchValue, sagaWorkflowIds } from '../../core/workflow-id';
import type { Decision, Delivery, RequestLine, SourceAdapter } from '../../sources/types';
import type { DeliveryResult } from './metrics';
import { nestsDeeperThan } from './json-depth';
import type { WebhookAnswer } from './openapi';
import type { DeliveryBudgets } from './rate-limit';
import { readBody } from './read-body';
import { expectedBytes, type BodyBudget } from './body-budget';

export interface WebhookHandlerOptions {
  sources: ReadonlyMap<string, SourceAdapter>;
  intake: Intake;
  /** Rate limits: failed requests per client before verification, verified deliveries per source after it. */
  budgets: DeliveryBudgets;
  bodyLimit: number;
  /** A body not fully received within this is refused with 408 (default 10 s). */
  bodyReadTimeoutMs?: number;
  /** The memory deliveries may hold, reserved before a body is read. */
  bodies: BodyBudget;
  /** Where refused and unrouted requests are kept for the console; none: only logged. */
  refused?: Pick<RefusedRequests, 'keepInBackground'>;
}

/**
 * The headers as sent. Node joins most repeated headers with ", " and drops all but the first copy
 * of others (authorization among them), so a second signature could ride along unseen; here a
 * header sent twice keeps every copy, and sources/engine/headers.ts refuses it (`duplicate_header`).
 * No prototype: header names are the sender's.
 */
function headersAsSent(raw: readonly string[]): IncomingHttpHeaders {
  const headers: Record<string, string | string[]> = Object.create(null);
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    const value = raw[i + 1]!;
    const seen = headers[name];
    headers[name] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
  }
  return headers;
}

function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0]!.trim().toLowerCase();
}

/** A content type sent twice: the first copy decides, as Node's own req.headers keeps only that one. */
function singleValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Checks a delivery whose body has been read: the content type the source sends, hostile nesting,
 * then the signature on the raw bytes at `now` (the receipt time: a re-processed request is checked
 * at the time it arrived, so the replay window is the vendor's, not the operator's).
 */
export function verifyDelivery(source: SourceAdapter, delivery: Delivery, now: Date): void {
  if (source.contentTypes && !source.contentTypes.includes(mediaType(singleValue(delivery.headers['content-type'])))) {
    throw new UnsupportedMediaTypeError('unsupported_content_type');
  }
  // Before anything reads the body: deep nesting would overflow every recursive reader after this.
  if (nestsDeeperThan(delivery.rawBody)) throw new MalformedPayloadError('body_too_deep');
  source.verify(delivery, now);
}

/** What a verified delivery came to: a direct answer (handshake), ignored (no saga for it), or given to the intake. */
export type DeliveryOutcome =
  | Extract<Decision, { action: 'respond' }>
  | Extract<Decision, { action: 'ignore' }>
  | { action: 'start'; starts: SagaStart[] };

/** One saga of a delivery and what the intake made of it (a fan-out route starts several). */
export interface SagaStart {
  saga: string;
  workflowId: string;
  result: IntakeResult;
}

export interface DeliveryContext {
  intake: Intake;
  requestId: string;
  log: Logger;
  /** Hears the delivery's logger once it names the workflow. */
  onLog?: (log: Logger) => void;
}

/**
 * A verified delivery, decided and handed to the intake: the path the webhook handler and the
 * console's re-processing (src/ops/refused.ts) share, so both derive the same workflow ID and dedup
 * the same way. Throws MalformedPayloadError when the body is not what the source sends.
 */
export async function handleVerified(source: SourceAdapter, delivery: Delivery, { intake, requestId, log, onLog }: DeliveryContext): Promise<DeliveryOutcome> {
  const decision = source.decide(delivery);

  if (decision.action === 'respond') {
    log.info('answered without a saga', { eventType: decision.eventType, status: decision.status });
    return decision;
  }
  if (decision.action === 'ignore') {
    // Keys are logged in their bounded search form: a key can be as long as the body.
    const eventKey = decision.eventKey === undefined ? undefined : eventKeySearchValue(decision.eventKey);
    log.info('event ignored: no saga for it', { eventType: decision.eventType, eventKey, why: decision.reason });
    return decision;
  }

  // One workflow per saga of the event: a fan-out route names several (core/workflow-id.ts).
  const ids = sagaWorkflowIds(source.name, decision.eventKey, decision.sagas);
  const fanOut = ids.length > 1;
  log = log.child({ eventKey: eventKeySearchValue(decision.eventKey), eventType: decision.eventType, ...(fanOut ? {} : { workflowId: ids[0]!.workflowId }) });
  onLog?.(log);
  const submit = async ({ saga, workflowId }: (typeof ids)[number]): Promise<SagaStart> => {
    const sagaLog = fanOut ? log.child({ saga, workflowId }) : log;
    const result = await intake.submit(
      {
        workflowId,
        saga,
        input: {
          meta: {
            source: source.name,
            eventKey: decision.eventKey,
            eventType: decision.eventType,
            workflowId,
            receivedAt: delivery.receivedAt.toISOString(),
            requestId,
            ...(decision.deliveryId ? { deliveryId: decision.deliveryId } : {}),
          },
          event: decision.input,
        },
      },
      sagaLog,
    );
    if (result.duplicate) sagaLog.info('duplicate delivery: saga already exists');
    // Queued: durable in the outbox, the forwarder starts the saga once Temporal answers.
    else if (!('queued' in result)) sagaLog.info('saga started', { runId: result.runId });
    return { saga, workflowId, result };
  };
  // Each saga is deduped on its own. One that could not be made durable fails the delivery (503),
  // whatever the others did: the vendor retries, and the ones that started answer duplicate.
  const settled = await Promise.allSettled(ids.map(submit));
  const failed = settled.find((s) => s.status === 'rejected');
  if (failed) throw failed.reason;
  return { action: 'start', starts: settled.map((s) => (s as PromiseFulfilledResult<SagaStart>).value) };
}

/** What a delivery's starts came to together: a duplicate only when every saga was one; queued when any waits in the outbox. */
export function startsResult(starts: readonly SagaStart[]): 'duplicate' | 'queued' | 'started' {
  if (starts.every((s) => s.result.duplicate)) return 'duplicate';
  return starts.some((s) => 'queued' in s.result) ? 'queued' : 'started';
}

/** Refusals kept for the console (src/intake/refused.ts): the body was read, so it can be re-processed after the fix. */
const KEPT_STATUSES = new Set([400, 401, 415]);

/** One request to POST /webhooks/:source, as src/http/webhook-listener.ts hands it over. */
export interface WebhookCall {
  /** Its body is still to be read; its raw headers are the ones the source checks. */
  readonly req: IncomingMessage;
  readonly source: string;
  readonly requestId: string;
  /** The client's address: the socket's, or the proxy-reported one when TRUST_PROXY says whom to believe. */
  readonly client: string;
  readonly query: Delivery['query'];
  readonly request: RequestLine;
  /** The request's logger; the handler replaces it once the delivery names its workflow. */
  log: Logger;
  /** What the delivery came to, for the metrics; left unset when it was refused. */
  result?: DeliveryResult;
}

/** The answer to a delivery: a JSON body, or a handshake's text in its own content type. */
export interface WebhookReply {
  status: number;
  body: string | object;
  contentType?: string;
}

/**
 * POST /webhooks/:source. The order matters: find the source (unknown fails closed), refuse a client
 * that keeps failing, reserve the body's memory (held until the answer), cap and read the raw bytes,
 * check the content type, refuse hostile nesting, verify the signature on those bytes, count the
 * delivery against the source's budget, and only then parse and decide. A refusal after the body was read, and an event no saga handles, are kept
 * (after the answer, never delaying or changing it) for an operator to re-process. Refusals are
 * thrown as DeliveryErrors (src/http/error-handler.ts answers them).
 */
export function webhookHandler({ sources, intake, budgets, bodyLimit, bodyReadTimeoutMs, bodies, refused }: WebhookHandlerOptions): (call: WebhookCall) => Promise<WebhookReply> {
  return async (call) => {
    const source = sources.get(call.source);
    if (!source) throw new UnknownSourceError('unknown_source');
    budgets.admit(call.source, call.client);
    const release = bodies.reserve(call.client, expectedBytes(call.req, bodyLimit));
    try {
      return await deliver(call, source);
    } finally {
      release();
    }
  };

  async function deliver(call: WebhookCall, source: SourceAdapter): Promise<WebhookReply> {
    const { source: name, requestId, client } = call;
    const keep = (delivery: Delivery, kept: Pick<KeepRequest, 'kind' | 'status' | 'reason' | 'verified' | 'eventType'>) =>
      refused?.keepInBackground({ source, delivery, requestId, client, ...kept });

    let delivery: Delivery | undefined;
    try {
      const rawBody = await readBody(call.req, bodyLimit, bodyReadTimeoutMs);
      delivery = { headers: headersAsSent(call.req.rawHeaders), rawBody, query: call.query, request: call.request, receivedAt: new Date() };
      verifyDelivery(source, delivery, delivery.receivedAt);
    } catch (err) {
      // Nothing from this request was proven to come from the vendor: the client's failure budget pays.
      if (err instanceof DeliveryError) {
        await budgets.failed(name, client);
        if (delivery && KEPT_STATUSES.has(err.status)) keep(delivery, { kind: 'refused', status: err.status, reason: err.reason, verified: false });
      }
      throw err;
    }
    await budgets.verified(name);

    let outcome: DeliveryOutcome;
    try {
      outcome = await handleVerified(source, delivery, { intake, requestId, log: call.log, onLog: (child) => (call.log = child) });
    } catch (err) {
      if (err instanceof MalformedPayloadError) keep(delivery, { kind: 'refused', status: err.status, reason: err.reason, verified: true });
      throw err;
    }

    if (outcome.action === 'respond') {
      call.result = 'answered';
      return { status: outcome.status, body: outcome.body, ...(outcome.contentType ? { contentType: outcome.contentType } : {}) };
    }
    if (outcome.action === 'ignore') {
      keep(delivery, { kind: 'unrouted', status: 200, reason: 'unrouted', verified: true, eventType: outcome.eventType });
      call.result = 'ignored';
      return { status: 200, body: { ignored: true, eventType: outcome.eventType } satisfies WebhookAnswer };
    }
    const { starts } = outcome;
    const result = startsResult(starts);
    call.result = result;
    // One saga: exactly the answer vendors always had; a fan-out lists each saga's.
    const answer = starts.length > 1 ? { sagas: starts.map((s) => ({ saga: s.saga, ...s.result })) } : starts[0]!.result;
    return { status: result === 'duplicate' ? 200 : 202, body: answer satisfies WebhookAnswer };
  }
}
