import nock from 'nock';
import { DOWNSTREAM_ENV } from '../../support/downstream';

/**
 * The downstream APIs as nock answers them for saga tests: canned answers for every endpoint the
 * clients in sagas/clients call, every call recorded in order, and failures injected by
 * `METHOD /path` (the path as the client sends it, without the query). The tests assert the exact
 * list of calls, so a missing, extra or repeated call fails them.
 */
export interface RecordedCall {
  method: string;
  /** Path with the base path and the query, e.g. `/v1/shipments/98765/status`. */
  url: string;
  idempotencyKey?: string;
  body?: unknown;
}

export interface InjectedFailure {
  status: number;
  /** How many calls fail; every one when absent. */
  times?: number;
  /** Matching calls let through before failing (to fail an undo that calls the same path as its step). */
  after?: number;
  message?: string;
}

const EN_ROUTE = { code: { key: '2101', value: 'En route' } };
export const CONVERSATION_ID = 'cnv_55c8c149';
export const SHIPMENT = { id: '98765', customId: 'S-1001', loadNumber: 'L-7781', status: EN_ROUTE, stops: [{ id: 'STOP-2', status: EN_ROUTE }] };
export const PDF = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(150 * 1024, 'scan '), Buffer.from('\n%%EOF\n')]);

type Answer = readonly [number, unknown?, Record<string, string>?];
type Route = [method: string, path: RegExp, answer: (match: RegExpMatchArray, body: unknown, query: URLSearchParams) => Answer];

/** Canned answers, by host. Shipment 98765 is linked to a conversation and a contact; 98766 to a contact only. */
const ROUTES: Record<keyof typeof DOWNSTREAM_ENV, Route[]> = {
  RECORDS_API_URL: [
    [
      'GET',
      /^\/shipments\/([^/]+)\/links$/,
      ([, id]) =>
        id === '98765'
          ? [200, { shipmentId: id, frontConversationId: CONVERSATION_ID, customerContact: { name: 'Dana Reyes', email: 'dana@customer.test' } }]
          : id === '98766'
            ? [200, { shipmentId: id, customerContact: { name: 'Lee Park', email: 'lee@customer.test' } }]
            : [404, { error: 'not_found' }],
    ],
    ['PUT', /^\/shipments\/([^/]+)\/links\/front-conversation$/, ([, id], body) => [200, { shipmentId: id, ...(body as object) }]],
    ['DELETE', /^\/shipments\/[^/]+\/links\/front-conversation$/, () => [204]],
    ['POST', /^\/shipments\/[^/]+\/status-history$/, () => [201, { id: 'sth_1' }]],
    ['DELETE', /^\/shipments\/[^/]+\/status-history$/, () => [204]],
    ['POST', /^\/events$/, () => [201, { id: 'evr_1' }]],
    ['DELETE', /^\/events$/, () => [204]],
    ['POST', /^\/documents$/, () => [201, { id: 'doc_1', size: PDF.length, sha256: 'f'.repeat(64) }]],
    ['GET', /^\/documents\/doc_1\/content$/, () => [200, PDF, { 'content-type': 'application/pdf' }]],
  ],
  TURVO_API_URL: [
    ['GET', /^\/shipments$/, (_m, _b, query) => [200, { shipments: query.get('customId') === 'S-1001' || query.get('loadNumber') === 'L-7781' ? [SHIPMENT] : [] }]],
    ['GET', /^\/shipments\/98765$/, () => [200, SHIPMENT]],
    ['PUT', /^\/shipments\/[^/]+\/stops\/[^/]+\/status$/, (_m, body) => [200, { previous: EN_ROUTE, current: body }]],
    ['PUT', /^\/shipments\/[^/]+\/status$/, (_m, body) => [200, { previous: EN_ROUTE, current: body }]],
    ['POST', /^\/shipments\/[^/]+\/attachments$/, () => [201, { id: 'att_1', name: 'pod.pdf', size: PDF.length }]],
    ['DELETE', /^\/shipments\/[^/]+\/attachments$/, () => [204]],
  ],
  FRONT_API_URL: [
    ['POST', /^\/conversations\/[^/]+\/comments$/, () => [201, { id: 'com_1a2b3c', body: 'ok' }]],
    ['DELETE', /^\/conversations\/[^/]+\/comments$/, () => [204]],
    ['POST', /^\/conversations\/[^/]+\/tags$/, () => [204]],
    ['DELETE', /^\/conversations\/[^/]+\/tags$/, () => [204]],
  ],
  SAMSARA_API_URL: [['GET', /^\/fleet\/documents\/[^/]+\/pdf$/, () => [200, PDF, { 'content-type': 'application/pdf' }]]],
  NOTIFY_API_URL: [['POST', /^\/messages$/, () => [202, { id: 'msg_9f8e' }]]],
};

export interface FakeDownstream {
  calls: RecordedCall[];
  /** Makes `METHOD /path` (base path included, no query) answer `status`. */
  fail(call: string, failure: InjectedFailure): void;
  /** Clears calls and failures between tests. */
  reset(): void;
}

export function fakeDownstream(): FakeDownstream {
  const calls: RecordedCall[] = [];
  const failures = new Map<string, InjectedFailure & { hits: number; seen: number }>();

  for (const [envName, routes] of Object.entries(ROUTES) as [keyof typeof DOWNSTREAM_ENV, Route[]][]) {
    const base = new URL(DOWNSTREAM_ENV[envName]);
    const basePath = base.pathname.replace(/\/$/, '');
    for (const method of ['GET', 'POST', 'PUT', 'DELETE']) {
      nock(base.origin)
        .persist()
        .intercept(() => true, method)
        .reply(function (uri, rawBody) {
          const url = new URL(uri, base.origin);
          const body = parseBody(rawBody, this.req.headers['content-type']);
          calls.push({ method, url: url.pathname + url.search, idempotencyKey: this.req.headers['idempotency-key'], body });
          const failure = failures.get(`${method} ${url.pathname}`);
          if (failure && failure.seen++ >= (failure.after ?? 0) && (failure.times === undefined || failure.hits < failure.times)) {
            failure.hits++;
            return [failure.status, { error: 'injected', message: failure.message ?? `injected ${failure.status}` }];
          }
          const path = url.pathname.slice(basePath.length);
          for (const [m, pattern, answer] of routes) {
            const match = m === method ? path.match(pattern) : null;
            if (match) return answer(match, body, url.searchParams) as [number, nock.Body, Record<string, string>];
          }
          return [404, { error: 'no canned answer', method, path }];
        });
    }
  }

  return {
    calls,
    fail(call, failure) {
      failures.set(call, { ...failure, hits: 0, seen: 0 });
    },
    reset() {
      calls.length = 0;
      failures.clear();
    },
  };
}

function parseBody(raw: unknown, contentType: string | undefined): unknown {
  if (raw === '' || raw === undefined) return undefined;
  if (!contentType?.startsWith('application/json')) return { bytes: typeof raw === 'string' ? Math.floor(raw.length / 2) : 0 };
  return typeof raw === 'string' ? JSON.parse(raw) : raw;
}

/**
 * A call as the tests write it: `METHOD /path [step]`, where step is the idempotency key after the
 * run prefix (e.g. `updateTurvoStop`, `updateTurvoStop/undo`), or `-` for a read.
 */
export function describeCalls(calls: RecordedCall[], keyPrefix: string): string[] {
  return calls.map((c) => {
    const url = decodeURIComponent(c.url.replace(/\+/g, ' ')).replace(`idempotency_key=${keyPrefix}`, 'idempotency_key=');
    const step = c.idempotencyKey?.startsWith(keyPrefix) ? c.idempotencyKey.slice(keyPrefix.length) : (c.idempotencyKey ?? '-');
    return `${c.method} ${url} [${step}]`;
  });
}
