import { randomUUID } from 'node:crypto';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import type { TLSSocket } from 'node:tls';
import { context, trace, SpanKind, SpanStatusCode, type Tracer } from '@opentelemetry/api';
import proxyaddr from 'proxy-addr';
import type { Logger } from '../logger';
import type { Delivery, RequestLine } from '../../sources/types';
import { errorAnswer } from './error-handler';
import { deliveryMeter } from './metrics';
import type { WebhookCall, WebhookReply } from './webhooks';

/**
 * `/webhooks/<source>`, with or without one trailing slash (express's routing took it, and a URL
 * pasted into a vendor's dashboard often has one) and with or without a query: the path vendors post
 * to. Any other form is express's (a 404).
 */
const DELIVERY_PATH = /^\/webhooks\/([^/?]+)\/?(?:\?|$)/;

export interface WebhookListenerOptions {
  handle: (call: WebhookCall) => Promise<WebhookReply>;
  /** Every other request: the express app (probes, metrics, the console). */
  otherwise: RequestListener;
  /** Whose forwarded headers to believe: express's compiled `trust proxy`, so both read them alike. */
  trust: (address: string, hop: number) => boolean;
  sources: ReadonlySet<string>;
  logger: Logger;
  /** When tracing is on: each delivery gets a server span that the saga's spans continue. */
  tracer?: Tracer;
}

/**
 * POST /webhooks/:source on plain node:http; every other request goes to express. A delivery is the
 * hot path, and needs none of what express adds per request (the router's layers and `next` chain,
 * the request and response helpers): on this project's machine that cost more than the dedup answer
 * itself (`npm run bench`, scenario d).
 */
export function webhookListener({ handle, otherwise, trust, sources, logger, tracer }: WebhookListenerOptions): RequestListener {
  const meter = deliveryMeter(sources);
  return (req, res) => {
    const target = req.url ?? '';
    const match = req.method === 'POST' ? DELIVERY_PATH.exec(target) : null;
    if (!match) {
      otherwise(req, res);
      return;
    }
    const source = match[1]!;
    const counted = meter(source);
    const sentId = req.headers['x-request-id'];
    const requestId = (typeof sentId === 'string' ? sentId.slice(0, 64) : '') || randomUUID();
    const query = target.indexOf('?');
    const call: WebhookCall = {
      req,
      source,
      requestId,
      client: proxyaddr(req, trust),
      // node:querystring, as express's default ("simple") query parser: a repeated parameter is an
      // array, and the object has no prototype (a parameter may be named `constructor`).
      query: parseQuery(query < 0 ? '' : target.slice(query + 1)) as Delivery['query'],
      request: requestLine(req, target, trust),
      // A name no source has is the sender's: logged, but bounded.
      log: logger.child({ requestId, source: sources.has(source) ? source : source.slice(0, 100) }),
    };
    const span = tracer?.startSpan(`POST /webhooks/${source}`, {
      kind: SpanKind.SERVER,
      attributes: { 'http.request.method': 'POST', 'webhook.source': source },
    });

    const answer = (status: number, body: string | object, contentType: string | undefined, headers: Record<string, string>, outcome: Parameters<typeof counted>[1]) => {
      send(res, status, body, contentType, { ...headers, 'X-Request-Id': requestId });
      counted(status, outcome);
      if (span) {
        span.setAttribute('http.response.status_code', status);
        if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
      }
    };
    const run = () =>
      handle(call)
        .then(
          (reply) => answer(reply.status, reply.body, reply.contentType, {}, call),
          (err: unknown) => {
            const refused = errorAnswer(err, call.log, `/webhooks/${source}`);
            answer(refused.status, refused.body, undefined, refused.headers, { rejection: refused.rejection ?? 'other' });
          },
        )
        // Writing the answer failed (the socket is gone, say): nothing to answer, and never a crash.
        .catch((err: unknown) => {
          call.log.error('delivery answer not written', { error: (err as Error)?.message });
          res.destroy();
        });
    void (span ? context.with(trace.setSpan(context.active(), span), run) : run());
  };
}

/**
 * How the delivery was called, read as express reads it: scheme and host from X-Forwarded-Proto and
 * -Host only when the peer is a trusted proxy (the first value: each hop appends its own).
 */
function requestLine(req: IncomingMessage, target: string, trust: WebhookListenerOptions['trust']): RequestLine {
  const trusted = trust(req.socket.remoteAddress ?? '', 0);
  const forwarded = (value: string | string[] | undefined) => (trusted && typeof value === 'string' ? value.split(',')[0]!.trim() : '');
  const scheme = forwarded(req.headers['x-forwarded-proto']) || ((req.socket as TLSSocket).encrypted ? 'https' : 'http');
  const host = forwarded(req.headers['x-forwarded-host']) || (req.headers.host ?? '');
  return { method: 'POST', origin: `${scheme}://${host}`, target };
}

/** A JSON answer, or a handshake's text in its own type; UTF-8, as express sent them. */
function send(res: ServerResponse, status: number, body: string | object, contentType: string | undefined, headers: Record<string, string>): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const type = contentType ?? (typeof body === 'string' ? 'text/plain' : 'application/json');
  res.writeHead(status, { ...headers, 'Content-Type': `${type}; charset=utf-8`, 'Content-Length': String(Buffer.byteLength(text)) });
  res.end(text);
}
