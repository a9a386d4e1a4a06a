import { createHash } from 'node:crypto';
import { parseJsonObject, requireString, type JsonObject } from '../engine/json';
import { MalformedPayloadError } from '../../core/errors';

/** Body seen in integrators' code; Turvo's own reference is not public. */
export interface TurvoEvent extends JsonObject {
  eventName: string;
  tenantId?: number | string;
  eventPayload: TurvoEntity;
}

export interface TurvoEntity extends JsonObject {
  id?: number | string;
  customId?: string;
  status?: { code?: { key?: string; value?: string } };
  /** When the entity was last changed (field name as seen in integrators' notes; optional). */
  lastUpdatedOn?: string;
}

/** Event name → saga. Other events (location pings, carrier updates, …) are answered 200 and logged. */
export const TURVO_ROUTES: Readonly<Record<string, string>> = {
  SHIPMENT_STATUS_UPDATE: 'turvoShipmentStatusSaga',
  SHIPMENT_UPDATE: 'recordEventSaga',
  ORDER_CREATE: 'recordEventSaga',
  OFFER_CREATE: 'recordEventSaga',
};

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
 * Turvo sends no event id, so the key is built from fields that are the same on every retry of one
 * event and differ between events (see README "Event key"):
 *   <eventName>.<tenantId>.<entity id>[.s<status key>][.u<lastUpdatedOn, epoch ms>]
 * used when the entity id is there and the event is pinned down by an update time, a status, or being
 * a creation. Anything else falls back to the SHA-256 of the exact raw body.
 */
export function turvoEventKey(event: TurvoEvent, rawBody: Buffer): string {
  const payload = event.eventPayload;
  const id = idText(payload.id);
  const tenant = idText(event.tenantId) ?? 'none';
  const status = idText(payload.status?.code?.key);
  const updatedMs = typeof payload.lastUpdatedOn === 'string' ? Date.parse(payload.lastUpdatedOn) : NaN;
  const name = /^[A-Z0-9_]{1,64}$/.test(event.eventName) ? event.eventName : undefined;

  if (name && id && (Number.isFinite(updatedMs) || status || CREATION_EVENTS.has(name))) {
    return [name, tenant, id, status && `s${status}`, Number.isFinite(updatedMs) && `u${updatedMs}`].filter(Boolean).join('.');
  }
  return `body-sha256-${createHash('sha256').update(rawBody).digest('hex')}`;
}
