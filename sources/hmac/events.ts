import type { Delivery } from '../types';
import { parseJsonObject, type JsonObject } from '../engine/json';
import { selectKey, selectString, type Selector } from '../engine/selector';

export interface ParsedHmacEvent {
  eventKey: string;
  eventType: string;
  /** The JSON body: the saga's input. */
  event: JsonObject;
}

/** The body must be a JSON object (it is the saga's input); key and type are read where the config says. */
export function parseHmacEvent(delivery: Delivery, eventKey: Selector, eventType: Selector): ParsedHmacEvent {
  const event = parseJsonObject(delivery.rawBody);
  return {
    eventKey: selectKey(eventKey, delivery, event, 'event_key'),
    eventType: selectString(eventType, delivery, event, 'event_type'),
    event,
  };
}
