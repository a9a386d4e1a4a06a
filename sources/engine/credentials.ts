import { matchesAny, tokenDigest } from '../../core/crypto';
import { WebhookVerificationError } from '../../core/errors';
import type { Delivery } from '../types';
import { singleHeader } from './headers';

/**
 * Static credentials: a token in a header (optionally after an auth scheme such as `Bearer`), a
 * token in a query parameter, or Basic auth (`user:password`). They prove the sender knows the
 * secret; they cover no byte of the body (TLS does that in transit). Compared as keyed digests
 * (core/crypto.ts tokenDigest), so not even a token's length shows in the timing.
 */
export type TokenLocation =
  /** `scheme`: the header is `<scheme> <token>` (the scheme's case is not significant), e.g. `Bearer`. */
  | { readonly header: string; readonly scheme?: string | undefined }
  | { readonly query: string };

/** The token the delivery presents where the location says. */
export function presentedToken(delivery: Delivery, location: TokenLocation): string {
  if ('query' in location) {
    const value: unknown = delivery.query[location.query];
    if (value === undefined || value === '') throw new WebhookVerificationError('missing_token');
    // A repeated parameter arrives as an array: refuse it rather than pick one.
    if (typeof value !== 'string') throw new WebhookVerificationError('malformed_token');
    return value;
  }
  const header = singleHeader(delivery, location.header);
  if (!header) throw new WebhookVerificationError('missing_token');
  if (!location.scheme) return header;
  const match = /^(\S+) +(\S+)$/.exec(header.trim());
  if (!match || match[1]!.toLowerCase() !== location.scheme.toLowerCase()) throw new WebhookVerificationError('malformed_token');
  return match[2]!;
}

/** A verifier accepting any of the tokens (rotation); fails closed without one. */
export function tokenVerifier(tokens: readonly string[], location: TokenLocation): (delivery: Delivery) => void {
  const expected = tokens.map(tokenDigest);
  return (delivery) => matchToken(expected, () => presentedToken(delivery, location));
}

const BASIC: TokenLocation = { header: 'authorization', scheme: 'Basic' };

/** Basic auth: each credential is `user:password`; the header's base64 must decode to one of them. */
export function basicVerifier(credentials: readonly string[]): (delivery: Delivery) => void {
  const expected = credentials.map(tokenDigest);
  return (delivery) =>
    matchToken(expected, () => {
      const encoded = presentedToken(delivery, BASIC);
      const decoded = Buffer.from(encoded, 'base64');
      if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded) || !decoded.includes(':')) throw new WebhookVerificationError('malformed_token');
      return decoded;
    });
}

function matchToken(expected: readonly Buffer[], presented: () => string | Buffer): void {
  if (expected.length === 0) throw new WebhookVerificationError('source_not_configured');
  if (!matchesAny(tokenDigest(presented()), expected)) throw new WebhookVerificationError('token_mismatch');
}
