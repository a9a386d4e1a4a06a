import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { RequestHandler } from 'express';
import { DeliveryError, MalformedPayloadError, UnknownSourceError, UnsupportedMediaTypeError } from '../../core/errors';
import type { Intake, IntakeResult } from '../intake/intake';
import type { Logger } from '../logger';
import { eventKeySearchValue, sagaWorkflowIds } from '../../core/workflow-id';
import type { Delivery, SourceAdapter } from '../../sources/types';
import { nestsDeeperThan } from './json-depth';
import type { WebhookAnswer } from './openapi';
import type { DeliveryBudgets } from './rate-limit';
import { readBody } from './read-body';

export interface WebhookHandlerOptions {
  sources: ReadonlyMap<string, SourceAdapter>;
  intake: Intake;
  /** Rate limits: failed requests per client before verification, verified deliveries per source after it. */
  budgets: DeliveryBudgets;
  bodyLimit: number;
  /** A body not fully received within this is refused with 408 (default 10 s). */
  bodyReadTimeoutMs?: number;
  logger: Logger;
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

/**
 * POST /webhooks/:source. The order matters: find the source (unknown fails closed), refuse a client
 * that keeps failing, cap and read the raw bytes, refuse hostile nesting, verify the signature on
 * those bytes, count the delivery against the source's budget, and only then parse and decide.
 */
export function webhookHandler({ sources, intake, budgets, bodyLimit, bodyReadTimeoutMs, logger }: WebhookHandlerOptions): RequestHandler {
  return async (req, res) => {
    const requestId = (req.header('x-request-id') ?? '').slice(0, 64) || randomUUID();
    res.setHeader('X-Request-Id', requestId);
    const name = String(req.params.source);
    let log = logger.child({ requestId, source: name });
    res.locals.log = log;

    const source = sources.get(name);
    if (!source) throw new UnknownSourceError('unknown_source');
    // req.ip: the socket's address, or the proxy-reported one when TRUST_PROXY says whom to believe.
    const client = req.ip ?? 'unknown';
    budgets.admit(name, client);

    let delivery: Delivery;
    try {
      if (source.contentTypes && !source.contentTypes.includes(mediaType(req.header('content-type')))) {
        throw new UnsupportedMediaTypeError('unsupported_content_type');
      }
      const rawBody = await readBody(req, bodyLimit, bodyReadTimeoutMs);
      // Before anything reads the body: deep nesting would overflow every recursive reader after this.
      if (nestsDeeperThan(rawBody)) throw new MalformedPayloadError('body_too_deep');
      // req.protocol and req.host read X-Forwarded-Proto / -Host only from proxies TRUST_PROXY trusts.
      const request = { method: req.method, origin: `${req.protocol}://${req.host}`, target: req.originalUrl };
      delivery = { headers: headersAsSent(req.rawHeaders), rawBody, query: req.query as Record<string, string | undefined>, request, receivedAt: new Date() };
      source.verify(delivery, delivery.receivedAt);
    } catch (err) {
      // Nothing from this request was proven to come from the vendor: the client's failure budget pays.
      if (err instanceof DeliveryError) await budgets.failed(name, client);
      throw err;
    }
    await budgets.verified(name);
    const decision = source.decide(delivery);

    if (decision.action === 'respond') {
      log.info('answered without a saga', { eventType: decision.eventType, status: decision.status });
      res.locals.result = 'answered';
      if (decision.contentType) res.type(decision.contentType);
      res.status(decision.status).send(decision.body);
      return;
    }
    if (decision.action === 'ignore') {
      // Keys are logged in their bounded search form: a key can be as long as the body.
      const eventKey = decision.eventKey === undefined ? undefined : eventKeySearchValue(decision.eventKey);
      log.info('event ignored: no saga for it', { eventType: decision.eventType, eventKey, why: decision.reason });
      res.locals.result = 'ignored';
      res.status(200).json({ ignored: true, eventType: decision.eventType } satisfies WebhookAnswer);
      return;
    }

    // One workflow per saga of the event: a fan-out route names several (core/workflow-id.ts).
    const starts = sagaWorkflowIds(source.name, decision.eventKey, decision.sagas);
    const fanOut = starts.length > 1;
    log = log.child({ eventKey: eventKeySearchValue(decision.eventKey), eventType: decision.eventType, ...(fanOut ? {} : { workflowId: starts[0]!.workflowId }) });
    res.locals.log = log;
    const submit = async ({ saga, workflowId }: (typeof starts)[number]): Promise<IntakeResult> => {
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
      // Queued: durable in the outbox, the forwarder starts the saga once Temporal answers.
      if (result.duplicate) sagaLog.info('duplicate delivery: saga already exists');
      else if (!('queued' in result)) sagaLog.info('saga started', { runId: result.runId });
      return result;
    };
    // Each saga is deduped on its own. One that could not be made durable fails the delivery (503),
    // whatever the others did: the vendor retries, and the ones that started answer duplicate.
    const settled = await Promise.allSettled(starts.map(submit));
    const refused = settled.find((s) => s.status === 'rejected');
    if (refused) throw refused.reason;
    const results = settled.map((s) => (s as PromiseFulfilledResult<IntakeResult>).value);
    const duplicate = results.every((r) => r.duplicate);
    res.locals.result = duplicate ? 'duplicate' : results.some((r) => 'queued' in r) ? 'queued' : 'started';
    const answer = fanOut ? { sagas: results.map((r, i) => ({ saga: starts[i]!.saga, ...r })) } : results[0]!;
    res.status(duplicate ? 200 : 202).json(answer satisfies WebhookAnswer);
  };
}
