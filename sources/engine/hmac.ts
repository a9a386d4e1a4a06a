import { hmac, matchesAny, type HmacAlgorithm } from '../../core/crypto';
import { WebhookVerificationError } from '../../core/errors';
import type { Delivery } from '../types';
import { checkTimestamp, singleHeader, type TimestampUnit } from './headers';
import { placeholderProblem, signedBytes, signedUrl, splitTarget, templateHeaders, uses, type FormSigning, type SignedInput } from './signed-string';

/**
 * The signature engine behind every source whose sender signs some bytes of the request and puts
 * the result in a header: FrontApp, Standard Webhooks, the config-only kinds (sources/hmac,
 * sources/generic: HMAC and asymmetric) and sources made by the scaffold. One implementation,
 * tested once, so a new source is a description of its scheme, not new crypto code. Its signing
 * half is sources/sender/hmac.ts.
 */

/** Replay window used when a sender documents none (Stripe and Standard Webhooks use five minutes). */
export const DEFAULT_TOLERANCE_SECONDS = 300;

export type SignatureEncoding = 'hex' | 'base64' | 'base64url';
export type KeyEncoding = 'utf8' | 'base64' | 'hex';

/** Where the signed timestamp is: its own header, or a part of the signature header (Stripe's `t=`). */
export interface TimestampSource {
  readonly header?: string | undefined;
  readonly part?: string | undefined;
  readonly unit: TimestampUnit;
  readonly toleranceSeconds: number;
}

/** Where a scheme's signatures are and what they sign, whatever computes them. */
export interface SignatureScheme {
  /** Lower-case header name carrying the signature. */
  readonly signatureHeader: string;
  readonly encoding: SignatureEncoding;
  /** Text before each signature, e.g. `sha256=`, `v1=` or `v1,`; entries without it are other versions, skipped. */
  readonly prefix: string;
  /** Several signatures in one header (the sender rotating its secret), e.g. ' ' or ','. */
  readonly separator?: string | undefined;
  /**
   * The header is `name=value` parts (split on `separator`, default ","): the signatures are the
   * parts with this name, e.g. `v1` in Stripe's `t=…,v1=…,v1=…`; other names are other versions.
   */
  readonly part?: string | undefined;
  /** What is signed: a template (sources/engine/signed-string.ts) covering the body once. */
  readonly signedString: string;
  /** The signed timestamp; required when the template holds `{timestamp}`. */
  readonly timestamp?: TimestampSource | undefined;
  /** The header whose value fills `{id}`. */
  readonly idHeader?: string | undefined;
  /** What fills `{url}`: the URL the sender calls, or "request" for the one the receiver saw. */
  readonly publicUrl?: string | undefined;
  /** How `{form}` orders and joins a form body's pairs. */
  readonly form?: FormSigning | undefined;
}

export interface HmacScheme extends SignatureScheme {
  readonly algorithm: HmacAlgorithm;
}

const DIGEST_BYTES: Record<HmacAlgorithm, number> = { sha1: 20, sha256: 32, sha512: 64 };

/** Checks a template against a scheme; returns a problem (for a config error) or undefined. */
export function templateProblem(template: string, has: { timestamp: boolean; id: boolean; url?: boolean; form?: boolean }): string | undefined {
  const problem = placeholderProblem(template);
  if (problem) return problem;
  if (uses(template, 'timestamp') && !has.timestamp) return 'uses {timestamp} but no timestamp is configured';
  if (!uses(template, 'timestamp') && has.timestamp) return 'does not sign {timestamp}: a timestamp that is not signed cannot stop replays';
  if (uses(template, 'id') && !has.id) return 'uses {id} but no id header is configured';
  if (uses(template, 'url') && !has.url) return 'uses {url} but no publicUrl is configured (the URL the sender calls, or "request")';
  // Decoded pairs of a body that is no form would merge bodies that differ only in their escapes.
  if (uses(template, 'form') && !has.form) return 'signs {form}, so the body must be a form ("body": "form", generic kind)';
  return undefined;
}

/** The headers whose values the signed string includes (so a changed value fails verification). */
export function signedHeaders(scheme: Pick<SignatureScheme, 'signedString' | 'timestamp' | 'idHeader'>): Set<string> {
  const signed = new Set<string>(templateHeaders(scheme.signedString));
  if (scheme.timestamp?.header && uses(scheme.signedString, 'timestamp')) signed.add(scheme.timestamp.header);
  if (scheme.idHeader && uses(scheme.signedString, 'id')) signed.add(scheme.idHeader);
  return signed;
}

export function decodeKey(secret: string, encoding: KeyEncoding): Buffer {
  return Buffer.from(secret, encoding);
}

const KEY_TEXT: Record<KeyEncoding, RegExp> = { utf8: /^.+$/s, base64: /^[A-Za-z0-9+/]+={0,2}$/, hex: /^([0-9a-fA-F]{2})+$/ };

/** A problem with a secret's encoding, for a config error, or undefined. */
export function secretProblem(secret: string, encoding: KeyEncoding): string | undefined {
  return KEY_TEXT[encoding].test(secret) ? undefined : `not ${encoding}, as keyEncoding says`;
}

const ENCODED: Record<SignatureEncoding, RegExp> = { hex: /^[0-9a-fA-F]+$/, base64: /^[A-Za-z0-9+/]+={0,2}$/, base64url: /^[A-Za-z0-9_-]+={0,2}$/ };

function decodeSignature(text: string, encoding: SignatureEncoding): Buffer | undefined {
  return ENCODED[encoding].test(text) ? Buffer.from(text, encoding) : undefined;
}

/** The `name=value` parts of a header such as `t=1,v1=ab,v1=cd`. */
export function headerParts(header: string, separator = ','): [string, string][] {
  return header.split(separator).map((entry) => {
    const at = entry.indexOf('=');
    return at < 0 ? [entry.trim(), ''] : [entry.slice(0, at).trim(), entry.slice(at + 1).trim()];
  });
}

/** The encoded signatures the header carries for this scheme (other versions skipped). */
function encodedSignatures(header: string, scheme: SignatureScheme): string[] {
  if (scheme.part) return headerParts(header, scheme.separator).flatMap(([name, value]) => (name === scheme.part ? [value] : []));
  const entries = scheme.separator ? header.split(scheme.separator) : [header];
  return entries.map((e) => e.trim()).flatMap((e) => (e.startsWith(scheme.prefix) ? [e.slice(scheme.prefix.length)] : []));
}

function timestampOf(delivery: Delivery, signatureHeader: string, source: TimestampSource, separator: string | undefined): string | undefined {
  if (source.header) return singleHeader(delivery, source.header);
  const found = headerParts(signatureHeader, separator).filter(([name]) => name === source.part);
  if (found.length > 1) throw new WebhookVerificationError('malformed_timestamp');
  return found[0]?.[1] || undefined;
}

/** The values a delivery fills a scheme's template with. */
export function deliveryInput(delivery: Delivery, scheme: SignatureScheme, values: { timestamp?: string | undefined; id?: string | undefined }): SignedInput {
  const { path, query } = splitTarget(delivery.request.target);
  return {
    body: delivery.rawBody,
    method: delivery.request.method,
    url: signedUrl(scheme.publicUrl, delivery.request.origin, delivery.request.target),
    path,
    query,
    ...values,
    header: (name) => singleHeader(delivery, name),
  };
}

/**
 * Reads a delivery's signatures and the bytes they sign. Every header is read once (a repeated
 * header is refused), the timestamp window is checked before any signature, and a signature that
 * cannot be one (`fits` says, by its length) is malformed rather than wrong.
 */
export function readSigned(delivery: Delivery, scheme: SignatureScheme, now: Date, fits: (signature: Buffer) => boolean): { signatures: Buffer[]; data: (string | Buffer)[] } {
  const header = singleHeader(delivery, scheme.signatureHeader);
  if (!header) throw new WebhookVerificationError('missing_signature');
  const timestamp = scheme.timestamp ? timestampOf(delivery, header, scheme.timestamp, scheme.separator) : undefined;
  if (scheme.timestamp && !timestamp) throw new WebhookVerificationError('missing_timestamp');
  const id = scheme.idHeader ? singleHeader(delivery, scheme.idHeader) : undefined;
  if (scheme.idHeader && !id) throw new WebhookVerificationError('missing_id');
  const signatures = encodedSignatures(header, scheme).flatMap((text) => {
    const bytes = decodeSignature(text, scheme.encoding);
    return bytes && fits(bytes) ? [bytes] : [];
  });
  if (signatures.length === 0) throw new WebhookVerificationError('malformed_signature');
  if (scheme.timestamp) checkTimestamp(timestamp!, scheme.timestamp.unit, scheme.timestamp.toleranceSeconds, now);
  return { signatures, data: signedBytes(scheme.signedString, deliveryInput(delivery, scheme, { timestamp, id }), scheme.form) };
}

/**
 * Verifies a delivery against the scheme with any of the keys (rotation). Fails closed without keys.
 * Signatures are compared in constant time on the exact raw bytes.
 */
export function verifyHmac(delivery: Delivery, scheme: HmacScheme, keys: readonly Buffer[], now: Date): void {
  if (keys.length === 0) throw new WebhookVerificationError('source_not_configured');
  // A signature of the wrong length can never match: call it malformed rather than wrong.
  const { signatures, data } = readSigned(delivery, scheme, now, (s) => s.length === DIGEST_BYTES[scheme.algorithm]);
  const expected = keys.map((key) => hmac(scheme.algorithm, key, ...data));
  let matched = false;
  for (const candidate of signatures) matched = matchesAny(candidate, expected) || matched;
  if (!matched) throw new WebhookVerificationError('signature_mismatch');
}
