import { routeTable } from '../engine/route';
import { createHash } from 'node:crypto';
import type { TurvoEvent } from '../../core/saga/events';
import { parseJsonObject, requireString } from '../engine/json';
import { MalformedPayloadError } from '../../core/errors';

/** Event name → saga. Other events (location pings, carrier updates, …) are answered 200 and logged. */
export const TURVO_ROUTES = routeTable({
  SHIPMENT_STATUS_UPDATE: 'turvoShipmentStatusSaga',
  SHIPMENT_UPDATE: 'recordEventSaga',
  ORDER_CREATE: 'recordEventSaga',
  OFFER_CREATE: 'recordEventSaga',
});

/** Entities are created once: their id alone identifies a creation event. */
const CREATION_EVENTS = new Set(['ORDER_CREATE', 'OFFER_CREATE', 'SHIPMENT_CREATE']);

export function parseTurvoEvent(rawBody: Buffer): TurvoEvent {
  const body = parseJsonObject(rawBody);
  requireString(body, 'eventName');
  const payload = body.eventPayload;
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) throw new MalformedPayloadError('missing_eventPayload');
  return body as TurvoEvent;
}

function idText(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  if (typeof value === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(value)) return value;
  return undefined;
}

/**
 * The tenant's part of the key: `none` when there is none (as it always was), `@none` for a tenant
 * literally named `none` (`@` is never in an id, so the two never meet). A tenant that is there but
 * is no usable id gives undefined: the key then falls back to the body's hash instead of taking it
 * for "no tenant".
 */
function tenantText(value: unknown): string | undefined {
  if (value === undefined || value === null) return 'none';
  const id = idText(value);
  return id === 'none' ? '@none' : id;
}

/** ISO-8601 with a zone, as Turvo writes times: whole seconds, any number of fraction digits. */
const ISO_INSTANT = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/;

/**
 * The update time's part of the key, as precise as Turvo wrote it: epoch milliseconds (what the key
 * always held, so keys of millisecond times are unchanged), then `.` and any digits below the
 * millisecond (`…T16:45:02.3181234Z` → `u1795538702318.1234`). The whole seconds go through
 * Date.parse (exact); the fraction is read as text, never rounded through a Date. A time in another
 * form is kept as it was sent, under its own letter (`t<text>`), so it never reads as an instant; a
 * number (whatever its unit) under `n`. Undefined when there is none (absent or null); false when it
 * is there but cannot be written into the key (an empty string, an unsafe number, an object): the
 * key then falls back to the body's hash rather than taking it for "no update time", which would
 * merge every update of one status.
 */
function updateText(value: unknown): string | undefined | false {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number') return Number.isSafeInteger(value) ? `n${value}` : false;
  if (typeof value !== 'string' || value.length === 0) return false;
  const iso = ISO_INSTANT.exec(value);
  const wholeMs = iso ? Date.parse(`${iso[1]}${iso[3]}`) : NaN;
  if (!iso || !Number.isFinite(wholeMs)) return `t${value}`;
  const digits = (iso[2] ?? '').replace(/0+$/, '');
  const below = digits.slice(3);
  return `u${wholeMs + Number(digits.slice(0, 3).padEnd(3, '0'))}${below ? `.${below}` : ''}`;
}

/**
 * Turvo sends no event id, so the key is built from fields that are the same on every retry of one
 * event and differ between events (see README "Event key"):
 *   <eventName>.<tenant>.<entity id>[.s<status key>][.u<lastUpdatedOn, epoch ms>|.t<as sent>|.n<a number>]
 * used when the entity id is there and the event is pinned down by an update time, a status, or being
 * a creation. A field that is there but cannot be written into the key as it is, or anything else
 * unusual, falls back to the SHA-256 of the exact raw body.
 */
export function turvoEventKey(event: TurvoEvent, rawBody: Buffer): string {
  const payload = event.eventPayload;
  const id = idText(payload.id);
  const tenant = tenantText(event.tenantId);
  const statusKey = payload.status?.code?.key;
  const status = statusKey === undefined ? undefined : idText(statusKey);
  const updated = updateText(payload.lastUpdatedOn);
  const name = /^[A-Z0-9_]{1,64}$/.test(event.eventName) ? event.eventName : undefined;
  const usable = name && id && tenant && (statusKey === undefined || status) && updated !== false;

  if (usable && (updated || status || CREATION_EVENTS.has(name))) {
    return [name, tenant, id, status && `s${status}`, updated].filter(Boolean).join('.');
  }
  return `body-sha256-${createHash('sha256').update(rawBody).digest('hex')}`;
}
