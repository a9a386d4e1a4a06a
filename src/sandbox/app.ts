import { createHash } from 'node:crypto';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { defaultSeed, type Seed, type SeedLinks, type Status } from './seed';

/**
 * The downstream sandbox: a development aid standing in for Turvo, Front, Samsara, the records API
 * and the notification service, so the main job runs sagas with no vendor credentials and no
 * internet. It implements the endpoints the typed clients in sagas/clients model, keeps what it was
 * sent, honours idempotency keys, and can be told to fail a chosen call. It never runs in
 * production: `createSandbox` and src/sandbox/server.ts refuse NODE_ENV=production.
 *
 *   GET    /_sandbox/requests?service=&method=&key=   what it was sent (key: idempotency-key prefix)
 *   GET    /_sandbox/state                            its data (shipments, conversations, records…)
 *   POST   /_sandbox/faults  {service, method?, path?, status?, times?, delayMs?, retryAfter?, message?}
 *   GET    /_sandbox/faults                           the faults armed now
 *   DELETE /_sandbox/faults[/:id]                     clear all faults (or one)
 *   POST   /_sandbox/reset                            back to the seed; requests, keys and faults cleared
 */

export const SERVICES = ['turvo', 'front', 'samsara', 'records', 'notify'] as const;
export type Service = (typeof SERVICES)[number];

export interface Fault {
  id: string;
  service: Service;
  /** HTTP method to match; any when absent. */
  method?: string;
  /** Regular expression tested against the path after the service prefix (`/shipments/98765/status`); any when absent. */
  path?: string;
  /** Status to answer instead of doing the work. Absent with `delayMs`: do the work, answer late. */
  status?: number;
  /** How many matching requests it hits; until cleared when absent. */
  times?: number;
  delayMs?: number;
  /** Seconds sent as `Retry-After` with the fault's status (a 429 or 503 asking the caller to wait). */
  retryAfter?: number;
  message?: string;
  hits: number;
}

export interface RecordedRequest {
  seq: number;
  at: string;
  service: Service;
  method: string;
  path: string;
  query: Record<string, string>;
  idempotencyKey?: string;
  /** A JSON body as sent; a binary body as its size. */
  body?: unknown;
  status?: number;
  /** Answered from the idempotency cache: no second effect. */
  replayed?: boolean;
  /** The fault that answered it, if one did. */
  faultId?: string;
}

interface CachedReply {
  method: string;
  path: string;
  status: number;
  body: unknown;
}

interface Reply {
  status: number;
  body?: unknown;
}

const MAX_RECORDED = 5000;
const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const MAX_UPLOAD = '30mb';

/** A deterministic stand-in for a scanned proof of delivery: a minimal PDF of about 64 KB. */
export function samplePdf(documentId: string): Buffer {
  const header = Buffer.from(`%PDF-1.4\n% sandbox document ${documentId}\n`);
  const filler = Buffer.alloc(64 * 1024, `scan ${documentId} `);
  return Buffer.concat([header, filler, Buffer.from('\n%%EOF\n')]);
}

/** All mutable data, rebuilt from the seed on reset. */
function initialData(seed: Seed) {
  return {
    shipments: new Map(seed.shipments.map((s) => [s.id, structuredClone(s)])),
    stopChanges: new Map<string, { shipmentId: string; stopId: string; previous: Status; current: Status }>(),
    statusChanges: new Map<string, { shipmentId: string; previous: Status; current: Status }>(),
    attachments: new Map<string, { id: string; shipmentId: string; name: string; contentType: string; size: number; key?: string }>(),
    conversations: new Map(seed.conversations.map((c) => [c.id, { ...c, tags: [...c.tags] }])),
    comments: new Map<string, { id: string; conversationId: string; body: string; key?: string }>(),
    tagsAdded: new Map<string, { conversationId: string; tags: string[] }>(),
    links: new Map<string, SeedLinks>(seed.links.map((l) => [l.shipmentId, structuredClone(l)])),
    linkChanges: new Map<string, { shipmentId: string; previous?: string }>(),
    statusHistory: new Map<string, { id: string; shipmentId: string; status: Status; source: string; at: string; key?: string }>(),
    events: new Map<string, { id: string; key?: string; [field: string]: unknown }>(),
    documents: new Map<string, { id: string; name: string; shipmentId: string; contentType: string; bytes: Buffer; sha256: string }>(),
    messages: [] as { id: string; to: string; subject: string; text: string }[],
    counters: new Map<string, number>(),
  };
}

export type SandboxData = ReturnType<typeof initialData>;

export interface SandboxOptions {
  seed?: Seed;
  /** Defaults to process.env.NODE_ENV; `production` is refused. */
  nodeEnv?: string;
}

export interface Sandbox {
  app: express.Express;
  data: () => SandboxData;
  requests: () => RecordedRequest[];
  reset: () => void;
}

export function createSandbox(options: SandboxOptions = {}): Sandbox {
  if ((options.nodeEnv ?? process.env.NODE_ENV) === 'production') {
    throw new Error('the downstream sandbox is a development aid and never runs with NODE_ENV=production');
  }
  const seed = options.seed ?? defaultSeed();
  let data = initialData(seed);
  let requests: RecordedRequest[] = [];
  let faults: Fault[] = [];
  let idempotency = new Map<string, CachedReply>();
  let seq = 0;
  let faultSeq = 0;

  const nextId = (prefix: string) => {
    const n = (data.counters.get(prefix) ?? 0) + 1;
    data.counters.set(prefix, n);
    return `${prefix}_${n}`;
  };

  const app = express();
  app.disable('x-powered-by');

  // --- Control API --------------------------------------------------------------------------------
  app.get('/_sandbox/requests', (req, res) => {
    const { service, method, key } = req.query as Record<string, string | undefined>;
    res.json(
      requests.filter(
        (r) => (!service || r.service === service) && (!method || r.method === method.toUpperCase()) && (!key || r.idempotencyKey?.startsWith(key)),
      ),
    );
  });
  app.get('/_sandbox/state', (_req, res) => res.json(snapshot(data)));
  app.get('/_sandbox/faults', (_req, res) => res.json(faults));
  app.post('/_sandbox/faults', express.json(), (req, res) => {
    const parsed = parseFault(req.body, `flt_${++faultSeq}`);
    if (typeof parsed === 'string') {
      res.status(400).json({ error: parsed });
      return;
    }
    faults.push(parsed);
    res.status(201).json(parsed);
  });
  app.delete('/_sandbox/faults', (_req, res) => {
    faults = [];
    res.status(204).end();
  });
  app.delete('/_sandbox/faults/:id', (req, res) => {
    faults = faults.filter((f) => f.id !== req.params.id);
    res.status(204).end();
  });
  app.post('/_sandbox/reset', (_req, res) => {
    reset();
    res.status(204).end();
  });

  function reset(): void {
    data = initialData(seed);
    requests = [];
    faults = [];
    idempotency = new Map();
    seq = 0;
  }

  // --- Services -----------------------------------------------------------------------------------
  for (const service of SERVICES) {
    const router = express.Router();
    router.use(intercept(service));
    routes[service](router, { data: () => data, nextId });
    router.use((_req: Request, res: Response) => void res.status(404).json({ error: 'not_found' }));
    app.use(`/${service}`, router);
  }

  /**
   * Before any service route: record the request, apply a matching fault, answer a repeated
   * idempotency key from the cache. After it: remember a successful write's answer under its key.
   */
  function intercept(service: Service) {
    return async (req: Request, res: Response, next: NextFunction) => {
      const key = req.get('idempotency-key') || undefined;
      const record: RecordedRequest = {
        seq: ++seq,
        at: new Date().toISOString(),
        service,
        method: req.method,
        path: req.path,
        query: req.query as Record<string, string>,
        ...(key ? { idempotencyKey: key } : {}),
      };
      requests.push(record);
      if (requests.length > MAX_RECORDED) requests.shift();
      res.on('finish', () => (record.status = res.statusCode));

      const fault = faults.find(
        (f) =>
          f.service === service &&
          (!f.method || f.method === req.method) &&
          (!f.path || new RegExp(f.path).test(req.path)) &&
          (f.times === undefined || f.hits < f.times),
      );
      if (fault) {
        fault.hits++;
        record.faultId = fault.id;
        if (fault.status === undefined) {
          // Do the work now, answer late: the effect happens even if the caller gives up waiting.
          res.locals.delayMs = fault.delayMs;
        } else {
          if (fault.delayMs) await sleep(fault.delayMs);
          if (fault.retryAfter !== undefined) res.set('retry-after', String(fault.retryAfter));
          res.status(fault.status).json({ error: 'sandbox_fault', fault: fault.id, message: fault.message ?? `injected ${fault.status}` });
          return;
        }
      }

      const cacheKey = key && WRITE_METHODS.has(req.method) ? `${service} ${key}` : undefined;
      const cached = cacheKey ? idempotency.get(cacheKey) : undefined;
      if (cached) {
        if (cached.method !== req.method || cached.path !== req.path) {
          res.status(422).json({ error: 'idempotency_key_reused', message: `key was first used for ${cached.method} ${cached.path}` });
          return;
        }
        record.replayed = true;
        res.set('idempotent-replayed', 'true');
        sendReply(res, { status: cached.status, body: cached.body });
        return;
      }
      res.locals.remember = (reply: Reply) => {
        if (cacheKey && reply.status < 300) idempotency.set(cacheKey, { method: req.method, path: req.path, status: reply.status, body: reply.body });
      };
      res.locals.record = record;
      next();
    };
  }

  return { app, data: () => data, requests: () => requests, reset };
}

// --- Routes ---------------------------------------------------------------------------------------

interface RouteContext {
  data: () => SandboxData;
  nextId: (prefix: string) => string;
}

type Handler = (req: Request) => Reply;

/** Runs a handler, remembers its answer for the idempotency cache, records the body it got. */
function handle(handler: Handler) {
  return (req: Request, res: Response) => {
    const record = res.locals.record as RecordedRequest | undefined;
    if (record) record.body = Buffer.isBuffer(req.body) ? { bytes: req.body.length } : req.body;
    const reply = handler(req);
    (res.locals.remember as ((r: Reply) => void) | undefined)?.(reply);
    const delayMs = res.locals.delayMs as number | undefined;
    if (!delayMs) return sendReply(res, reply);
    const timer = setTimeout(() => sendReply(res, reply), delayMs);
    // A caller that gave up (a worker shut down mid-call) gets nothing; the effect stays done.
    res.on('close', () => clearTimeout(timer));
  };
}

function sendReply(res: Response, reply: Reply): void {
  if (reply.body === undefined) res.status(reply.status).end();
  else res.status(reply.status).json(reply.body);
}

const json = express.json({ limit: '2mb' });
const raw = express.raw({ type: () => true, limit: MAX_UPLOAD });
const notFound = (what: string): Reply => ({ status: 404, body: { error: 'not_found', message: `${what} not found` } });
const invalid = (message: string): Reply => ({ status: 422, body: { error: 'invalid', message } });
const key = (req: Request) => req.get('idempotency-key') || undefined;
const param = (req: Request, name: string) => String(req.params[name]);
const undoTarget = (req: Request) => (typeof req.query.idempotency_key === 'string' ? req.query.idempotency_key : undefined);

function isStatus(value: unknown): value is Status {
  const code = (value as Status | undefined)?.code;
  return typeof code?.key === 'string' && typeof code?.value === 'string';
}

const routes: Record<Service, (router: Router, ctx: RouteContext) => void> = {
  turvo(router, { data, nextId }) {
    router.get(
      '/shipments',
      handle((req) => {
        const { customId, loadNumber } = req.query as Record<string, string | undefined>;
        const shipments = [...data().shipments.values()].filter(
          (s) => (!customId || s.customId.toUpperCase() === customId.toUpperCase()) && (!loadNumber || s.loadNumber?.toUpperCase() === loadNumber.toUpperCase()),
        );
        return { status: 200, body: { shipments } };
      }),
    );
    router.get(
      '/shipments/:id',
      handle((req) => {
        const shipment = data().shipments.get(param(req, 'id'));
        return shipment ? { status: 200, body: { ...shipment, attachments: [...data().attachments.values()].filter((a) => a.shipmentId === shipment.id) } } : notFound('shipment');
      }),
    );
    router.put(
      '/shipments/:id/stops/:stopId/status',
      json,
      handle((req) => {
        const shipment = data().shipments.get(param(req, 'id'));
        const stop = shipment?.stops.find((s) => s.id === param(req, 'stopId'));
        if (!shipment || !stop) return notFound('stop');
        if (!isStatus(req.body)) return invalid('body must be a status {code:{key,value}}');
        const change = { shipmentId: shipment.id, stopId: stop.id, previous: stop.status, current: req.body };
        stop.status = req.body;
        const k = key(req);
        if (k) data().stopChanges.set(k, change);
        return { status: 200, body: { previous: change.previous, current: change.current } };
      }),
    );
    router.get(
      '/shipments/:id/stops/:stopId/status-changes/:key',
      handle((req) => {
        const change = data().stopChanges.get(param(req, 'key'));
        if (!change || change.shipmentId !== param(req, 'id') || change.stopId !== param(req, 'stopId')) return notFound('change');
        return { status: 200, body: { previous: change.previous, current: change.current } };
      }),
    );
    router.put(
      '/shipments/:id/status',
      json,
      handle((req) => {
        const shipment = data().shipments.get(param(req, 'id'));
        if (!shipment) return notFound('shipment');
        if (!isStatus(req.body)) return invalid('body must be a status {code:{key,value}}');
        const change = { shipmentId: shipment.id, previous: shipment.status, current: req.body };
        shipment.status = req.body;
        const k = key(req);
        if (k) data().statusChanges.set(k, change);
        return { status: 200, body: { previous: change.previous, current: change.current } };
      }),
    );
    router.get(
      '/shipments/:id/status-changes/:key',
      handle((req) => {
        const change = data().statusChanges.get(param(req, 'key'));
        if (!change || change.shipmentId !== param(req, 'id')) return notFound('change');
        return { status: 200, body: { previous: change.previous, current: change.current } };
      }),
    );
    router.post(
      '/shipments/:id/attachments',
      raw,
      handle((req) => {
        const shipment = data().shipments.get(param(req, 'id'));
        if (!shipment) return notFound('shipment');
        const bytes = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
        if (bytes.length === 0) return invalid('empty attachment');
        const attachment = {
          id: nextId('att'),
          shipmentId: shipment.id,
          name: typeof req.query.name === 'string' ? req.query.name : 'attachment',
          contentType: req.get('content-type') ?? 'application/octet-stream',
          size: bytes.length,
          key: key(req),
        };
        data().attachments.set(attachment.id, attachment);
        return { status: 201, body: { id: attachment.id, name: attachment.name, size: attachment.size } };
      }),
    );
    router.delete(
      '/shipments/:id/attachments',
      handle((req) => {
        const target = undoTarget(req);
        if (!target) return invalid('idempotency_key query parameter required');
        for (const [id, a] of data().attachments) if (a.key === target && a.shipmentId === param(req, 'id')) data().attachments.delete(id);
        return { status: 204 };
      }),
    );
  },

  front(router, { data, nextId }) {
    // Lenient on purpose: any conversation id a fixture names exists (Front's ids differ per company).
    const conversation = (id: string) => {
      let found = data().conversations.get(id);
      if (!found) data().conversations.set(id, (found = { id, subject: '(sandbox conversation)', tags: [] }));
      return found;
    };
    router.get(
      '/conversations/:id',
      handle((req) => {
        const c = conversation(param(req, 'id'));
        return { status: 200, body: { ...c, comments: [...data().comments.values()].filter((m) => m.conversationId === c.id) } };
      }),
    );
    router.post(
      '/conversations/:id/comments',
      json,
      handle((req) => {
        const body = (req.body as { body?: unknown } | undefined)?.body;
        if (typeof body !== 'string' || body === '') return invalid('body.body must be a non-empty string');
        const comment = { id: nextId('com'), conversationId: conversation(param(req, 'id')).id, body, key: key(req) };
        data().comments.set(comment.id, comment);
        return { status: 201, body: { id: comment.id, body: comment.body } };
      }),
    );
    router.delete(
      '/conversations/:id/comments',
      handle((req) => {
        const target = undoTarget(req);
        if (!target) return invalid('idempotency_key query parameter required');
        for (const [id, c] of data().comments) if (c.key === target && c.conversationId === param(req, 'id')) data().comments.delete(id);
        return { status: 204 };
      }),
    );
    router.post(
      '/conversations/:id/tags',
      json,
      handle((req) => {
        const tagIds = (req.body as { tag_ids?: unknown } | undefined)?.tag_ids;
        if (!Array.isArray(tagIds) || !tagIds.every((t) => typeof t === 'string')) return invalid('tag_ids must be an array of strings');
        const c = conversation(param(req, 'id'));
        const added = (tagIds as string[]).filter((t) => !c.tags.includes(t));
        c.tags.push(...added);
        const k = key(req);
        if (k) data().tagsAdded.set(k, { conversationId: c.id, tags: added });
        return { status: 204 };
      }),
    );
    router.delete(
      '/conversations/:id/tags',
      handle((req) => {
        const target = undoTarget(req);
        if (!target) return invalid('idempotency_key query parameter required');
        const added = data().tagsAdded.get(target);
        if (added && added.conversationId === param(req, 'id')) {
          const c = conversation(added.conversationId);
          c.tags = c.tags.filter((t) => !added.tags.includes(t));
          data().tagsAdded.delete(target);
        }
        return { status: 204 };
      }),
    );
  },

  samsara(router) {
    router.get('/fleet/documents/:id/pdf', (req, res) => {
      res.status(200).type('application/pdf').send(samplePdf(param(req, 'id')));
    });
  },

  records(router, { data, nextId }) {
    router.get(
      '/shipments/:id/links',
      handle((req) => {
        const links = data().links.get(param(req, 'id'));
        return links ? { status: 200, body: links } : notFound('links');
      }),
    );
    router.put(
      '/shipments/:id/links/front-conversation',
      json,
      handle((req) => {
        const conversationId = (req.body as { conversationId?: unknown } | undefined)?.conversationId;
        if (typeof conversationId !== 'string' || !conversationId) return invalid('conversationId required');
        const shipmentId = param(req, 'id');
        const links = data().links.get(shipmentId) ?? { shipmentId };
        const previous = links.frontConversationId;
        links.frontConversationId = conversationId;
        data().links.set(shipmentId, links);
        const k = key(req);
        if (k) data().linkChanges.set(k, { shipmentId, ...(previous ? { previous } : {}) });
        return { status: 200, body: links };
      }),
    );
    router.delete(
      '/shipments/:id/links/front-conversation',
      handle((req) => {
        const target = undoTarget(req);
        if (!target) return invalid('idempotency_key query parameter required');
        const change = data().linkChanges.get(target);
        const links = data().links.get(param(req, 'id'));
        if (change && links && change.shipmentId === links.shipmentId) {
          if (change.previous) links.frontConversationId = change.previous;
          else delete links.frontConversationId;
          data().linkChanges.delete(target);
        }
        return { status: 204 };
      }),
    );
    router.get(
      '/shipments/:id/status-history',
      handle((req) => ({ status: 200, body: [...data().statusHistory.values()].filter((e) => e.shipmentId === param(req, 'id')) })),
    );
    router.post(
      '/shipments/:id/status-history',
      json,
      handle((req) => {
        const body = req.body as { status?: unknown; source?: unknown; at?: unknown } | undefined;
        if (!isStatus(body?.status) || typeof body?.source !== 'string' || typeof body?.at !== 'string') return invalid('status, source and at required');
        const entry = { id: nextId('sth'), shipmentId: param(req, 'id'), status: body.status, source: body.source, at: body.at, key: key(req) };
        data().statusHistory.set(entry.id, entry);
        return { status: 201, body: { id: entry.id } };
      }),
    );
    router.delete(
      '/shipments/:id/status-history',
      handle((req) => {
        const target = undoTarget(req);
        if (!target) return invalid('idempotency_key query parameter required');
        for (const [id, e] of data().statusHistory) if (e.key === target && e.shipmentId === param(req, 'id')) data().statusHistory.delete(id);
        return { status: 204 };
      }),
    );
    router.get(
      '/events',
      handle(() => ({ status: 200, body: [...data().events.values()] })),
    );
    router.post(
      '/events',
      json,
      handle((req) => {
        const body = req.body as Record<string, unknown> | undefined;
        if (!body || typeof body.source !== 'string' || typeof body.eventKey !== 'string') return invalid('source and eventKey required');
        const event = { ...body, id: nextId('evr'), key: key(req) };
        data().events.set(event.id, event);
        return { status: 201, body: { id: event.id } };
      }),
    );
    router.delete(
      '/events',
      handle((req) => {
        const target = undoTarget(req);
        if (!target) return invalid('idempotency_key query parameter required');
        for (const [id, e] of data().events) if (e.key === target) data().events.delete(id);
        return { status: 204 };
      }),
    );
    router.post(
      '/documents',
      raw,
      handle((req) => {
        const bytes = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
        if (bytes.length === 0) return invalid('empty document');
        const doc = {
          id: nextId('doc'),
          name: typeof req.query.name === 'string' ? req.query.name : 'document',
          shipmentId: typeof req.query.shipmentId === 'string' ? req.query.shipmentId : '',
          contentType: req.get('content-type') ?? 'application/octet-stream',
          bytes,
          sha256: createHash('sha256').update(bytes).digest('hex'),
        };
        data().documents.set(doc.id, doc);
        return { status: 201, body: { id: doc.id, size: bytes.length, sha256: doc.sha256 } };
      }),
    );
    router.get('/documents/:id/content', (req, res) => {
      const doc = data().documents.get(param(req, 'id'));
      if (!doc) {
        res.status(404).json({ error: 'not_found' });
        return;
      }
      res.status(200).type(doc.contentType).send(doc.bytes);
    });
  },

  notify(router, { data, nextId }) {
    router.post(
      '/messages',
      json,
      handle((req) => {
        const body = req.body as { to?: unknown; subject?: unknown; text?: unknown } | undefined;
        if (typeof body?.to !== 'string' || typeof body.subject !== 'string' || typeof body.text !== 'string') return invalid('to, subject and text required');
        const message = { id: nextId('msg'), to: body.to, subject: body.subject, text: body.text };
        data().messages.push(message);
        return { status: 202, body: { id: message.id } };
      }),
    );
    router.get(
      '/messages',
      handle(() => ({ status: 200, body: data().messages })),
    );
  },
};

function parseFault(body: unknown, id: string): Fault | string {
  const b = (body ?? {}) as Record<string, unknown>;
  if (!SERVICES.includes(b.service as Service)) return `service must be one of ${SERVICES.join(', ')}`;
  if (b.method !== undefined && typeof b.method !== 'string') return 'method must be a string';
  if (b.path !== undefined) {
    if (typeof b.path !== 'string') return 'path must be a string (a regular expression)';
    try {
      new RegExp(b.path);
    } catch {
      return 'path is not a valid regular expression';
    }
  }
  const int = (v: unknown, min: number, max: number) => v === undefined || (Number.isInteger(v) && (v as number) >= min && (v as number) <= max);
  if (!int(b.status, 100, 599)) return 'status must be an HTTP status';
  if (!int(b.times, 1, 1_000_000)) return 'times must be a positive integer';
  if (!int(b.delayMs, 0, 600_000)) return 'delayMs must be 0..600000';
  if (!int(b.retryAfter, 0, 86_400)) return 'retryAfter must be 0..86400 seconds';
  if (b.retryAfter !== undefined && b.status === undefined) return 'retryAfter goes with a status';
  if (b.status === undefined && b.delayMs === undefined) return 'give a status to fail with, or delayMs to answer late';
  return {
    id,
    service: b.service as Service,
    ...(b.method ? { method: (b.method as string).toUpperCase() } : {}),
    ...(b.path ? { path: b.path as string } : {}),
    ...(b.status !== undefined ? { status: b.status as number } : {}),
    ...(b.times !== undefined ? { times: b.times as number } : {}),
    ...(b.delayMs !== undefined ? { delayMs: b.delayMs as number } : {}),
    ...(b.retryAfter !== undefined ? { retryAfter: b.retryAfter as number } : {}),
    ...(typeof b.message === 'string' ? { message: b.message } : {}),
    hits: 0,
  };
}

/** The data as JSON: binary documents as their size and digest. */
function snapshot(data: SandboxData) {
  return {
    turvo: {
      shipments: [...data.shipments.values()],
      attachments: [...data.attachments.values()],
    },
    front: {
      conversations: [...data.conversations.values()],
      comments: [...data.comments.values()],
    },
    records: {
      links: [...data.links.values()],
      statusHistory: [...data.statusHistory.values()],
      events: [...data.events.values()].map(({ id, key, source, eventType, eventKey, workflowId }) => ({ id, key, source, eventType, eventKey, workflowId })),
      documents: [...data.documents.values()].map(({ id, name, shipmentId, contentType, bytes, sha256 }) => ({ id, name, shipmentId, contentType, size: bytes.length, sha256 })),
    },
    notify: { messages: data.messages },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
