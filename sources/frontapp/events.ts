import { routeTable } from '../engine/route';
import { MalformedPayloadError } from '../../core/errors';
import type { Decision } from '../types';
import type { FrontEvent } from '../../core/saga/events';
import { parseJsonObject, requireString, type JsonObject } from '../engine/json';
import type { FrontMode } from './verify';

/** Event type → saga. Other types (archive, move, mention, …) are answered 200 and logged. */
export const FRONT_ROUTES = routeTable({
  inbound: 'frontInboundSaga',
  outbound: 'recordEventSaga',
  out_reply: 'recordEventSaga',
  assign: 'recordEventSaga',
  tag: 'recordEventSaga',
  comment: 'recordEventSaga',
});

/** Front's validation request when an application webhook is saved. */
export const SYNC_TYPE = 'sync';

/** The event out of a verified body: the envelope's `payload` (app) or the body itself (rule). */
export function parseFrontEvent(rawBody: Buffer, mode: FrontMode): FrontEvent | { type: typeof SYNC_TYPE } {
  const body = parseJsonObject(rawBody);
  let event: JsonObject = body;
  if (mode === 'app') {
    if (body.type === SYNC_TYPE && body.payload === undefined) return { type: SYNC_TYPE };
    const payload = body.payload;
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) throw new MalformedPayloadError('missing_payload');
    event = payload as JsonObject;
  }
  requireString(event, 'id');
  requireString(event, 'type');
  return event as FrontEvent;
}

type Format = 'json' | 'form' | 'text';
const FORMATS: Record<string, Format> = { 'application/json': 'json', 'application/x-www-form-urlencoded': 'form', 'text/plain': 'text' };

/** The first of JSON, form or plain text that the Accept header asks for (by q-value); plain text otherwise. */
function preferredFormat(accept: string | undefined): Format {
  const ranges = (accept ?? '')
    .split(',')
    .map((part, index) => {
      const [type = '', ...params] = part.split(';').map((s) => s.trim().toLowerCase());
      const q = params.find((p) => p.startsWith('q='));
      return { type, q: q ? Number(q.slice(2)) || 0 : 1, index };
    })
    .filter((r) => r.q > 0 && FORMATS[r.type])
    .sort((a, b) => b.q - a.q || a.index - b.index);
  return ranges[0] ? FORMATS[ranges[0].type]! : 'text';
}

/**
 * Front's handshake: echo `x-front-challenge` within 10 s, in the format the request accepts. Only
 * ever reached after the signature held, so only Front can make the receiver echo something.
 */
export function answerChallenge(challenge: string, accept: string | undefined): Decision {
  const common = { action: 'respond', status: 200, eventType: SYNC_TYPE } as const;
  switch (preferredFormat(accept)) {
    case 'json':
      return { ...common, body: { challenge }, contentType: 'application/json' };
    case 'form':
      return { ...common, body: new URLSearchParams({ challenge }).toString(), contentType: 'application/x-www-form-urlencoded' };
    default:
      return { ...common, body: challenge, contentType: 'text/plain' };
  }
}
