import { z } from 'zod';

/**
 * The receiver's machine-readable API description (OpenAPI 3.1, served at GET /openapi.json): each
 * route is declared with zod schemas where its handler is mounted (the webhook route below, the
 * console's in src/ops/router.ts), and zod's own JSON Schema output makes the document.
 * test/http/openapi.test.ts checks real answers against it.
 */
export interface ApiResponse {
  description: string;
  /** JSON body; absent: no body, or only the `others`. */
  schema?: z.ZodType;
  /** Bodies in other media types: their description, by media type (a string schema). */
  others?: Record<string, string>;
  /** Response headers, by name: their description. */
  headers?: Record<string, string>;
}

export interface ApiRoute {
  method: 'get' | 'post';
  /** Express-style path (`/sagas/:workflowId`); written `{workflowId}` in the document. */
  path: string;
  summary: string;
  /** The console's bearer token and the role it must carry. */
  role?: 'viewer' | 'operator' | 'any';
  params?: Record<string, string>;
  query?: z.ZodObject;
  body?: z.ZodType;
  /** Raw request body of a vendor (any bytes, signed): its media type and a description. */
  rawBody?: string;
  responses: Record<number, ApiResponse>;
}

const retryAfter = { 'Retry-After': 'Seconds to wait before sending again' };
const refusal = (reason: string) => z.object({ error: z.string().meta({ description: reason }) });

const started = z.object({ workflowId: z.string(), runId: z.string(), duplicate: z.literal(false) });
const queued = z.object({ workflowId: z.string(), queued: z.literal(true), duplicate: z.literal(false) });
const duplicate = z.object({ workflowId: z.string(), duplicate: z.literal(true) });
const ofSaga = { saga: z.string().meta({ description: 'The saga (workflow type) this workflow runs' }) };

/** Answers of POST /webhooks/{source} (README, "Status codes"). */
export const WebhookAnswers = {
  started,
  queued,
  duplicate,
  ignored: z.object({ ignored: z.literal(true), eventType: z.string() }),
  /** An event routed to several sagas (a fan-out): each saga's answer, in the route's order (202 unless every one is a duplicate). */
  fanOut: z.object({ sagas: z.array(z.union([started.extend(ofSaga), queued.extend(ofSaga), duplicate.extend(ofSaga)])).min(2) }),
  /** A repeat of such an event: every saga already exists. */
  fanOutDuplicate: z.object({ sagas: z.array(duplicate.extend(ofSaga)).min(2) }),
};

/** A handshake answered in the vendor's own terms (a source's `respond` decision): Samsara's ping, FrontApp's challenge. */
const handshake = z.union([z.object({ ok: z.literal(true) }).meta({ description: 'Samsara ping' }), z.object({ challenge: z.string() }).meta({ description: 'FrontApp challenge (JSON)' })]);
/** What the webhook handler answers with JSON: src/http/webhooks.ts checks each answer against it at compile time. */
export type WebhookAnswer = z.infer<(typeof WebhookAnswers)[keyof typeof WebhookAnswers]>;

export const WEBHOOK_ROUTE: ApiRoute = {
  method: 'post',
  path: '/webhooks/:source',
  summary: 'A vendor delivery: verified on its raw bytes, then a saga started (or found to exist) on Temporal',
  params: { source: 'A registered source (samsara, frontapp, turvo) or an endpoint declared in SOURCES_CONFIG' },
  rawBody: 'The delivery exactly as the vendor sends it (JSON for every built-in source), signed per its scheme',
  responses: {
    200: {
      description: 'A repeat delivery (the saga exists or its start is still queued; for a fan-out, every saga of the event), an ignored event type, or a handshake answered as the vendor expects',
      schema: z.union([WebhookAnswers.duplicate, WebhookAnswers.fanOutDuplicate, WebhookAnswers.ignored, handshake]),
      others: { 'text/plain': 'FrontApp challenge, as text', 'application/x-www-form-urlencoded': 'FrontApp challenge, as a form (challenge=…)' },
    },
    202: {
      description: 'A new saga was started, or queued in the Redis outbox because Temporal did not answer in time; for an event routed to several sagas, each one\'s answer (some may be duplicates)',
      schema: z.union([WebhookAnswers.started, WebhookAnswers.queued, WebhookAnswers.fanOut]),
    },
    400: { description: 'The signature holds but the body is malformed, or nested too deep', schema: refusal('malformed_json, missing_<field>, invalid_utf8, body_too_deep') },
    401: { description: 'Missing, malformed or wrong signature; timestamp outside the window; no secret configured; a repeated header', schema: refusal('e.g. signature_mismatch, timestamp_too_old, duplicate_header') },
    404: { description: 'Unknown source', schema: refusal('unknown_source') },
    408: { description: 'Headers or body not received in time; the connection is closed', schema: refusal('body_read_timeout') },
    413: { description: 'Body over BODY_LIMIT, refused without reading the rest', schema: refusal('body_too_large') },
    415: { description: 'A content type the source never sends', schema: refusal('unsupported_content_type') },
    429: { description: 'Too many verified deliveries for this source this second, too many failures from this client, or this client holds its share of the bodies in flight', schema: refusal('rate_limited, too_many_failures, too_much_in_flight'), headers: retryAfter },
    431: { description: 'Headers over MAX_HEADER_BYTES (answered by the HTTP server, without a body)' },
    503: { description: 'Neither Temporal nor Redis could take the event, or the receiver holds all the bodies it may (busy): nothing was written, retry', schema: refusal('temporarily_unavailable, payload_store_unavailable, busy'), headers: retryAfter },
  },
};

function openApiPath(path: string): string {
  return path.replace(/:(\w+)/g, '{$1}');
}

/** A request is described as the client sends it (`input`: before defaults and transforms), an answer as it is sent. */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output' = 'output'): Record<string, unknown> {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' });
  return rest;
}

function operation(route: ApiRoute): Record<string, unknown> {
  const parameters = [
    ...Object.entries(route.params ?? {}).map(([name, description]) => ({ name, in: 'path', required: true, description, schema: { type: 'string' } })),
    ...Object.entries(route.query?.shape ?? {}).map(([name, schema]) => ({
      name,
      in: 'query',
      required: !(schema as z.ZodType).safeParse(undefined).success,
      schema: jsonSchema(schema as z.ZodType, 'input'),
    })),
  ];
  const requestBody = route.body
    ? { required: true, content: { 'application/json': { schema: jsonSchema(route.body, 'input') } } }
    : route.rawBody
      ? { required: true, description: route.rawBody, content: { '*/*': { schema: { type: 'string', format: 'binary' } } } }
      : undefined;
  const responses = Object.fromEntries(
    Object.entries(route.responses).map(([status, r]) => {
      const content = {
        ...(r.schema ? { 'application/json': { schema: jsonSchema(r.schema) } } : {}),
        ...Object.fromEntries(Object.entries(r.others ?? {}).map(([type, description]) => [type, { schema: { type: 'string', description } }])),
      };
      const headers = Object.fromEntries(Object.entries(r.headers ?? {}).map(([name, description]) => [name, { description, schema: { type: 'integer' } }]));
      return [status, { description: r.description, ...(Object.keys(content).length ? { content } : {}), ...(r.headers ? { headers } : {}) }];
    }),
  );
  return {
    summary: route.summary,
    ...(route.role ? { security: [{ consoleToken: [] }], description: route.role === 'any' ? 'Any valid console token' : `Needs the role ${route.role}` } : {}),
    ...(parameters.length ? { parameters } : {}),
    ...(requestBody ? { requestBody } : {}),
    responses,
  };
}

/** The document for a set of routes, each under its mount point (`/ops/api` for the console's). */
export function openApiDocument(groups: { prefix: string; routes: readonly ApiRoute[] }[]): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const { prefix, routes } of groups) {
    for (const route of routes) {
      const path = openApiPath(`${prefix}${route.path}`);
      paths[path] = { ...paths[path], [route.method]: operation(route) };
    }
  }
  return {
    openapi: '3.1.0',
    info: { title: 'webhook-sagas receiver', version: '1', description: 'Vendor webhooks in (README, "Status codes") and the on-call console API (README, "On-call console")' },
    paths,
    components: { securitySchemes: { consoleToken: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
  };
}
