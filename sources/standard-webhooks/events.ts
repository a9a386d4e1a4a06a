import type { Delivery } from '../types';
import { parseJsonObject, type JsonObject } from '../engine/json';
import { selectString, type Selector } from '../engine/selector';

/** The payload shape the spec recommends: `{ type, timestamp, data }`. Other shapes work through `eventType`. */
export interface StandardWebhookEvent extends JsonObject {
  type?: string;
  timestamp?: string;
  data?: JsonObject;
}

export interface ParsedStandardWebhook {
  /** `webhook-id`: the same on every retry of a message, so it is the event key. */
  eventKey: string;
  eventType: string;
  event: StandardWebhookEvent;
}

export function parseStandardWebhook(delivery: Delivery, eventType: Selector): ParsedStandardWebhook {
  const event = parseJsonObject(delivery.rawBody) as StandardWebhookEvent;
  const eventKey = selectString({ from: 'header', path: 'webhook-id' }, delivery, undefined, 'webhook_id');
  return { eventKey, eventType: selectString(eventType, delivery, event, 'event_type'), event };
}
