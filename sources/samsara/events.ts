import { routeTable } from '../engine/route';
import { MalformedPayloadError } from '../../core/errors';
import { parseJsonObject, requireString, type JsonObject } from '../engine/json';

/** Webhooks 2.0 envelope (https://developers.samsara.com/docs/webhook-reference). */
export interface SamsaraEventV2 {
  eventId: string;
  eventTime: string;
  eventType: string;
  orgId?: number;
  webhookId?: string;
  data: JsonObject;
}

/** Webhooks 1.0 envelope: alerts and pings. */
export interface SamsaraEventV1 {
  eventId: string;
  eventMs: number;
  eventType: 'Alert' | 'Ping' | string;
  event?: JsonObject;
}

export type SamsaraEvent = SamsaraEventV2 | SamsaraEventV1;

export interface RouteStopData {
  operation?: string;
  time?: string;
  driver?: { id: string; name?: string };
  vehicle?: { id: string; name?: string };
  route?: { id: string; name?: string };
  routeStopDetails?: { id: string; name?: string; state?: string; actualArrivalTime?: string; actualDepartureTime?: string; externalIds?: Record<string, string> };
}

/** Event type → saga. Types not listed are acknowledged (200) and logged, never started. */
export const SAMSARA_ROUTES = routeTable({
  RouteStopArrival: 'samsaraRouteStopSaga',
  RouteStopDeparture: 'samsaraRouteStopSaga',
  DocumentSubmitted: 'samsaraDocumentSaga',
});

/** The dashboard's "Test" button sends this; it is answered 200 and starts nothing. */
export const PING_EVENT_TYPE = 'Ping';

export function parseSamsaraEvent(rawBody: Buffer): SamsaraEvent {
  const body = parseJsonObject(rawBody);
  requireString(body, 'eventId');
  requireString(body, 'eventType');
  const isV2 = 'data' in body || 'eventTime' in body;
  if (isV2 && (typeof body.data !== 'object' || body.data === null || Array.isArray(body.data))) {
    throw new MalformedPayloadError('missing_data');
  }
  return body as unknown as SamsaraEvent;
}
