import { hmac, matchesAny, type HmacAlgorithm } from '../../core/crypto';
import { WebhookVerificationError } from '../../core/errors';
import type { Delivery } from '../types';
import { checkTimestamp, singleHeader, type TimestampUnit } from './headers';

/**
 * The HMAC engine behind every source whose sender signs `<something around the raw body>` with a
 * shared secret and puts the result in a header: FrontApp, Standard Webhooks, the config-only `hmac`
 * kind and sources made by the scaffold. One implementation, tested once, so a new HMAC-style source
 * is a description of its scheme, not new crypto code. Its signing half is sources/sender/hmac.ts.
 */

/** Replay window used when a sender documents none (Stripe and Standard Webhooks use five minutes). */
export const DEFAULT_TOLERANCE_SECONDS = 300;

export type SignatureEncoding = 'hex' | 'base64';
export type KeyEncoding = 'utf8' | 'base64' | 'hex';

export interface HmacScheme {
  readonly algorithm: HmacAlgorithm;
  /** Lower-case header name carrying the signature. */
  readonly signatureHeader: string;
  readonly encoding: SignatureEncoding;
  /** Text before each signature, e.g. `sha256=`, `v1=` or `v1,`; entries without it are other versions, skipped. */
  readonly prefix: string;
  /** Several signatures in one header (the sender rotating its secret), e.g. ' ' or ','. */
  readonly separator?: string;
  /** What is signed: a template holding `{body}` once, and optionally `{timestamp}` and `{id}`. */
  readonly signedString: string;
  /** The signed timestamp header; required when the template holds `{timestamp}`. */
  readonly timestamp?: { readonly header: string; readonly unit: TimestampUnit; readonly toleranceSeconds: number };
  /** The header whose value fills `{id}`. */
  readonly idHeader?: string;
}

const DIGEST_BYTES: Record<HmacAlgorithm, number> = { sha1: 20, sha256: 32, sha512: 64 };
const PLACEHOLDER = /\{(body|timestamp|id)\}/g;

/** Checks a template against a scheme; returns a problem (for a config error) or undefined. */
export function templateProblem(template: string, has: { timestamp: boolean; id: boolean }): string | undefined {
  const unknown = template.replace(PLACEHOLDER, '').match(/\{[^}]*\}/);
  if (unknown) return `unknown placeholder ${unknown[0]} (use {body}, {timestamp}, {id})`;
  const bodies = template.match(/\{body\}/g)?.length ?? 0;
  if (bodies !== 1) return 'must contain {body} exactly once';
  if (template.includes('{timestamp}') && !has.timestamp) return 'uses {timestamp} but no timestamp header is configured';
  if (!template.includes('{timestamp}') && has.timestamp) return 'does not sign {timestamp}: a timestamp that is not signed cannot stop replays';
  if (template.includes('{id}') && !has.id) return 'uses {id} but no id header is configured';
  return undefined;
}

/** The headers whose values the signed string includes (so a changed value fails verification). */
export function signedHeaders(scheme: Pick<HmacScheme, 'signedString' | 'timestamp' | 'idHeader'>): Set<string> {
  const signed = new Set<string>();
  if (scheme.timestamp && scheme.signedString.includes('{timestamp}')) signed.add(scheme.timestamp.header);
  if (scheme.idHeader && scheme.signedString.includes('{id}')) signed.add(scheme.idHeader);
  return signed;
}

export function decodeKey(secret: string, encoding: KeyEncoding): Buffer {
  return Buffer.from(secret, encoding);
}

/** The bytes the sender signs: the template's text around the exact raw body. */
export function signedParts(scheme: HmacScheme, body: Buffer, values: { timestamp?: string; id?: string }): (string | Buffer)[] {
  const [before, after] = scheme.signedString.split('{body}') as [string, string];
  const fill = (text: string) => text.replace('{timestamp}', values.timestamp ?? '').replace('{id}', values.id ?? '');
  return [fill(before), body, fill(after)];
}

function decodeSignature(text: string, scheme: HmacScheme): Buffer | undefined {
  const valid = scheme.encoding === 'hex' ? /^[0-9a-fA-F]+$/.test(text) : /^[A-Za-z0-9+/]+={0,2}$/.test(text);
  if (!valid) return undefined;
  const bytes = Buffer.from(text, scheme.encoding);
  // A signature of the wrong length can never match: call it malformed rather than wrong.
  return bytes.length === DIGEST_BYTES[scheme.algorithm] ? bytes : undefined;
}

/** Signatures in the header that carry the scheme's prefix and decode; malformed if none does. */
function candidates(header: string, scheme: HmacScheme): Buffer[] {
  const entries = scheme.separator ? header.split(scheme.separator) : [header];
  const found: Buffer[] = [];
  for (const raw of entries) {
    const entry = raw.trim();
    if (!entry.startsWith(scheme.prefix)) continue;
    const decoded = decodeSignature(entry.slice(scheme.prefix.length), scheme);
    if (decoded) found.push(decoded);
  }
  if (found.length === 0) throw new WebhookVerificationError('malformed_signature');
  return found;
}

/**
 * Verifies a delivery against the scheme with any of the keys (rotation). Fails closed without keys.
 * Every header is read once (a repeated header is refused), the timestamp window is checked before
 * the signature, and the signature is compared in constant time on the exact raw bytes.
 */
export function verifyHmac(delivery: Delivery, scheme: HmacScheme, keys: readonly Buffer[], now: Date): void {
  if (keys.length === 0) throw new WebhookVerificationError('source_not_configured');
  const signature = singleHeader(delivery, scheme.signatureHeader);
  if (!signature) throw new WebhookVerificationError('missing_signature');
  const timestamp = scheme.timestamp ? singleHeader(delivery, scheme.timestamp.header) : undefined;
  if (scheme.timestamp && !timestamp) throw new WebhookVerificationError('missing_timestamp');
  const id = scheme.idHeader ? singleHeader(delivery, scheme.idHeader) : undefined;
  if (scheme.idHeader && !id) throw new WebhookVerificationError('missing_id');
  const given = candidates(signature, scheme);
  if (scheme.timestamp) checkTimestamp(timestamp!, scheme.timestamp.unit, scheme.timestamp.toleranceSeconds, now);

  const parts = signedParts(scheme, delivery.rawBody, { timestamp, id });
  const expected = keys.map((key) => hmac(scheme.algorithm, key, ...parts));
  let matched = false;
  for (const candidate of given) matched = matchesAny(candidate, expected) || matched;
  if (!matched) throw new WebhookVerificationError('signature_mismatch');
}
