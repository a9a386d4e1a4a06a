import { z } from 'zod';
import { MalformedPayloadError } from '../../core/errors';
import type { Delivery, OutgoingDelivery } from '../types';
import { singleHeader } from './headers';
import { editJson, getPath, setPath, type JsonObject } from './json';

/** Where a value lives in a delivery: `body:<dotted.path>` or `header:<name>`. */
export interface Selector {
  readonly from: 'body' | 'header';
  readonly path: string;
}

export const selectorSchema = z
  .string()
  .regex(/^(body:[A-Za-z0-9_$-]+(\.[A-Za-z0-9_$-]+)*|header:[A-Za-z0-9-]+)$/, 'expected "body:<dotted.path>" or "header:<name>"')
  .transform((s): Selector => {
    const at = s.indexOf(':');
    const from = s.slice(0, at) as Selector['from'];
    const path = s.slice(at + 1);
    return { from, path: from === 'header' ? path.toLowerCase() : path };
  });

/** The selected value as a string (numbers allowed: some senders send numeric ids), or a 400 naming it. */
export function selectString(selector: Selector, delivery: Delivery, body: JsonObject | undefined, label: string): string {
  const value = selector.from === 'header' ? singleHeader(delivery, selector.path) : getPath(body, selector.path);
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value !== 'string' || value.length === 0) throw new MalformedPayloadError(`missing_${label}`);
  return value;
}

/** A message with the selected value replaced (for giving a fixture a new event key). */
export function withSelected(message: OutgoingDelivery, selector: Selector, value: string): OutgoingDelivery {
  if (selector.from === 'header') return { ...message, headers: { ...message.headers, [selector.path]: value } };
  return { ...message, body: editJson(message.body, (obj) => setPath(obj, selector.path, value)) };
}
