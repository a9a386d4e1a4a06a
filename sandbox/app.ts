import express, { type NextFunction, type Request, type Response } from 'express';
import { initialData, snapshot, type SandboxData } from './data';
import { parseFault } from './faults';
import { sendReply, type ServiceRoutes } from './routing';
import { defaultSeed, type Seed } from './seed';
import { frontRoutes } from './services/front';
import { notifyRoutes } from './services/notify';
import { recordsRoutes } from './services/records';
import { samsaraRoutes } from './services/samsara';
import { turvoRoutes } from './services/turvo';
import { SERVICES, type Fault, type RecordedRequest, type Reply, type Service } from './types';

export { SERVICES, type Fault, type RecordedRequest, type Service } from './types';

/**
 * The downstream sandbox: a development aid standing in for Turvo, Front, Samsara, the records API
 * and the notification service, so the main job runs sagas with no vendor credentials and no
 * internet. It implements the endpoints the typed clients in sagas/clients model, keeps what it was
 * sent, honours idempotency keys, and can be told to fail a chosen call. It never runs in
 * production: `createSandbox` and sandbox/server.ts refuse NODE_ENV=production, and neither the
 * production build (tsconfig.build.json) nor the image contains it. One file per service in services/.
 *
 *   GET    /_sandbox/requests?service=&method=&key=   what it was sent (key: idempotency-key prefix)
 *   GET    /_sandbox/state                            its data (shipments, conversations, records…)
 *   POST   /_sandbox/faults  {service?, method?, path?, status?, times?, after?, delayMs?, retryAfter?, message?}
 *   GET    /_sandbox/faults                           the faults armed now
 *   DELETE /_sandbox/faults[/:id]                     clear all faults (or one)
 *   POST   /_sandbox/reset                            back to the seed; requests, keys and faults cleared
 */

interface CachedReply {
  method: string;
  path: string;
  status: number;
  body: unknown;
}

const ROUTES: Record<Service, ServiceRoutes> = { turvo: turvoRoutes, front: frontRoutes, samsara: samsaraRoutes, records: recordsRoutes, notify: notifyRoutes };

const MAX_RECORDED = 5000;
const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

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
    ROUTES[service](router, { data: () => data, nextId });
    router.use((_req: Request, res: Response) => void res.status(404).json({ error: 'not_found' }));
    app.use(`/${service}`, router);
  }

  /** The fault that answers this request: the first armed one that matches it, past the requests it lets through. */
  function faultFor(service: Service, req: Request): Fault | undefined {
    for (const f of faults) {
      if ((f.service && f.service !== service) || (f.method && f.method !== req.method) || (f.path && !new RegExp(f.path).test(req.path))) continue;
      if (f.times !== undefined && f.hits >= f.times) continue;
      if (f.passed < (f.after ?? 0)) {
        f.passed++;
        continue;
      }
      return f;
    }
    return undefined;
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

      const fault = faultFor(service, req);
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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
