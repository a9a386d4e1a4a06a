import { isLosslessNumber, parse as parseLossless } from 'lossless-json';
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

/**
 * Why a selector may not feed an event key, type or route, or undefined: a header the signature does
 * not cover can be changed on a captured delivery, which would then start new sagas or pick another
 * route at will. Body fields are always signed; headers only when the signed string includes them.
 */
export function unsignedSelectorProblem(selector: Selector, signedHeaders: ReadonlySet<string>): string | undefined {
  if (selector.from === 'body' || signedHeaders.has(selector.path)) return undefined;
  const signed = signedHeaders.size > 0 ? `only ${[...signedHeaders].join(', ')} ${signedHeaders.size > 1 ? 'are' : 'is'} signed` : 'no header is signed';
  return `header ${selector.path} is not covered by the signature (${signed}): take it from the body, or sign it`;
}

/** The selected value as it is: a header's text, or a body field's JSON value; undefined when absent. */
export function selectValue(selector: Selector, delivery: Delivery, body: JsonObject | undefined): unknown {
  return selector.from === 'header' ? singleHeader(delivery, selector.path) : getPath(body, selector.path);
}

/** The selected value as a string (numbers allowed: some senders send numeric ids), or a 400 naming it. */
export function selectString(selector: Selector, delivery: Delivery, body: JsonObject | undefined, label: string): string {
  const value = selectValue(selector, delivery, body);
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value !== 'string' || value.length === 0) throw new MalformedPayloadError(`missing_${label}`);
  return value;
}

/** A JSON number's text: what `1`, `1.0` and `9007199254740993` are written as. */
const NUMBER_LEXEME = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$/;

/**
 * An event key, exactly as the sender wrote it, in three spaces that never meet: a number is its
 * lexeme (`9007199254740993`, `1.0`: JSON.parse would round the first and merge the second with `1`);
 * a string that reads like a number (or starts with a quote) is JSON-quoted (`"1"`); any other string
 * is itself. A header is a string of bytes (Node reads it as latin1), kept as it is.
 */
export function selectKey(selector: Selector, delivery: Delivery, body: JsonObject | undefined, label: string): string {
  if (selector.from === 'header') return selectString(selector, delivery, body, label);
  const value = getPath(body, selector.path);
  if (typeof value === 'number') return numberLexeme(delivery.rawBody, selector.path, label);
  if (typeof value !== 'string' || value.length === 0) throw new MalformedPayloadError(`missing_${label}`);
  return NUMBER_LEXEME.test(value) || value.startsWith('"') ? JSON.stringify(value) : value;
}

/**
 * Reads the body again with lossless-json, which keeps every number's text, only when the selected
 * value is a number: other deliveries keep the fast native parse. A repeated name resolves to the
 * last, as JSON.parse does (lossless-json would throw).
 */
function numberLexeme(rawBody: Buffer, path: string, label: string): string {
  let value: unknown;
  try {
    value = getPath(parseLossless(rawBody.toString('utf8'), null, { onDuplicateKey: ({ newValue }) => newValue }), path);
  } catch {
    // It is recursive: a body nested too deep for it is the sender's mistake, not ours.
    throw new MalformedPayloadError('malformed_json');
  }
  if (!isLosslessNumber(value)) throw new MalformedPayloadError(`missing_${label}`);
  return value.value;
}

/** A message with the selected value replaced (for giving a fixture a new event key). */
export function withSelected(message: OutgoingDelivery, selector: Selector, value: string): OutgoingDelivery {
  if (selector.from === 'header') return { ...message, headers: { ...message.headers, [selector.path]: value } };
  return { ...message, body: editJson(message.body, (obj) => setPath(obj, selector.path, value)) };
}
