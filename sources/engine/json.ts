import { isUtf8 } from 'node:buffer';
import { MalformedPayloadError } from '../../core/errors';

export type JsonObject = Record<string, unknown>;

/**
 * Parses a verified body that must be a JSON object. JSON between systems must be UTF-8 (RFC 8259
 * §8.1); decoding other bytes would turn each into U+FFFD and merge keys that differ only there, so
 * such a body is refused (400 `invalid_utf8`) rather than guessed at.
 */
export function parseJsonObject(rawBody: Buffer): JsonObject {
  if (rawBody.length === 0) throw new MalformedPayloadError('empty_body');
  if (!isUtf8(rawBody)) throw new MalformedPayloadError('invalid_utf8');
  let value: unknown;
  try {
    value = JSON.parse(rawBody.toString('utf8'));
  } catch {
    throw new MalformedPayloadError('malformed_json');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new MalformedPayloadError('not_a_json_object');
  }
  return value as JsonObject;
}

/** A non-empty string field, or a 400 naming the field. */
export function requireString(obj: JsonObject, field: string): string {
  const value = obj[field];
  if (typeof value !== 'string' || value.length === 0) throw new MalformedPayloadError(`missing_${field}`);
  return value;
}

/** Reads a dotted path such as `payload.id` or `eventPayload.status.code.key`: own properties only. */
export function getPath(obj: unknown, path: string): unknown {
  let current: unknown = obj;
  for (const part of path.split('.')) {
    if (typeof current !== 'object' || current === null || !Object.hasOwn(current, part)) return undefined;
    current = (current as JsonObject)[part];
  }
  return current;
}

/** Sets a dotted path, creating objects on the way (for fixtures given a new event id). */
export function setPath(obj: JsonObject, path: string, value: unknown): void {
  const parts = path.split('.');
  let current: JsonObject = obj;
  for (const part of parts.slice(0, -1)) {
    const next = current[part];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) current[part] = {};
    current = current[part] as JsonObject;
  }
  current[parts[parts.length - 1]!] = value;
}

/** A JSON body with one change applied, re-serialised (the bytes change; a sender signs the new ones). */
export function editJson(body: Buffer, edit: (obj: JsonObject) => void): Buffer {
  const obj = JSON.parse(body.toString('utf8')) as JsonObject;
  edit(obj);
  return Buffer.from(JSON.stringify(obj));
}
