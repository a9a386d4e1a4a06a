import { isUtf8 } from 'node:buffer';
import { MalformedPayloadError } from '../../core/errors';
import type { JsonObject } from './json';

/**
 * Form-encoded bodies (`application/x-www-form-urlencoded`), as Twilio and Slack's slash commands
 * send them. Decoded UTF-8 with replacement here, so any bytes can be checked against a signature;
 * parseFormObject, which feeds the saga, refuses bytes that are not UTF-8.
 */
export function formPairs(body: Buffer): [string, string][] {
  return [...new URLSearchParams(new TextDecoder().decode(body)).entries()];
}

/** A verified form body as the saga's input: name → value, or every value of a name sent several times. */
export function parseFormObject(rawBody: Buffer): JsonObject {
  if (rawBody.length === 0) throw new MalformedPayloadError('empty_body');
  if (!isUtf8(rawBody)) throw new MalformedPayloadError('invalid_utf8');
  const fields: JsonObject = Object.create(null);
  for (const [name, value] of formPairs(rawBody)) {
    const seen = fields[name];
    fields[name] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
  }
  return fields;
}

/** A form body with one field set (for giving a fixture a new event key); the sender signs the new bytes. */
export function editForm(body: Buffer, name: string, value: string): Buffer {
  const params = new URLSearchParams(body.toString('utf8'));
  params.set(name, value);
  return Buffer.from(params.toString());
}
