import express, { type Request, type Response, type Router } from 'express';
import type { SandboxData } from './data';
import type { Reply } from './types';
import type { Status } from './seed';

/** What every service's routes share: the data, id counters, and the handler wrapper that records and caches. */

const MAX_UPLOAD = '30mb';

export interface RouteContext {
  data: () => SandboxData;
  nextId: (prefix: string) => string;
}

type Handler = (req: Request) => Reply;

/** Runs a handler, remembers its answer for the idempotency cache, records the body it got. */
export function handle(handler: Handler) {
  return (req: Request, res: Response) => {
    const { record, remember, delayMs } = res.locals;
    if (record) record.body = Buffer.isBuffer(req.body) ? { bytes: req.body.length } : req.body;
    const reply = handler(req);
    remember?.(reply);
    if (!delayMs) return sendReply(res, reply);
    const timer = setTimeout(() => sendReply(res, reply), delayMs);
    // A caller that gave up (a worker shut down mid-call) gets nothing; the effect stays done.
    res.on('close', () => clearTimeout(timer));
  };
}

export function sendReply(res: Response, reply: Reply): void {
  if (reply.body === undefined) res.status(reply.status).end();
  else res.status(reply.status).json(reply.body);
}

export const json = express.json({ limit: '2mb' });
export const raw = express.raw({ type: () => true, limit: MAX_UPLOAD });
export const notFound = (what: string): Reply => ({ status: 404, body: { error: 'not_found', message: `${what} not found` } });
export const invalid = (message: string): Reply => ({ status: 422, body: { error: 'invalid', message } });
export const key = (req: Request) => req.get('idempotency-key') || undefined;
export const param = (req: Request, name: string) => String(req.params[name]);
export const undoTarget = (req: Request) => (typeof req.query.idempotency_key === 'string' ? req.query.idempotency_key : undefined);

export function isStatus(value: unknown): value is Status {
  const code = (value as Status | undefined)?.code;
  return typeof code?.key === 'string' && typeof code?.value === 'string';
}

export type ServiceRoutes = (router: Router, ctx: RouteContext) => void;
