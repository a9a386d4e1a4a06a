import { createPublicKey } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { WebhookVerificationError } from '../../core/errors';
import { JwtRefusedError, verifyJwt, type JwtKey, type JwtRules } from '../../core/jwt';
import type { Delivery, OutgoingDelivery } from '../types';
import { presentedToken, tokenVerifier, type TokenLocation } from '../engine/credentials';
import { verifyHmac, type HmacScheme } from '../engine/hmac';
import { presentToken } from '../sender/credentials';
import { signHmac } from '../sender/hmac';

/**
 * Turvo does not publish how its webhooks are authenticated (the reference is behind a customer
 * login); an admin picks an auth type and a token when creating the webhook profile. So the scheme is
 * configuration, one per endpoint, and every mode fails closed without a secret or key:
 *
 * - `bearer` (default), `header`, `query`: a static token compared in constant time, as keyed digests
 *   so that not even its length shows in the timing. It proves the sender knows the token; it does
 *   not cover the body (TLS does that in transit).
 * - `jwt`: a bearer JWT checked by core/jwt.ts (jsonwebtoken). The algorithm is pinned by config (HS256 with a
 *   shared secret, or RS256/ES256 with public keys), so `none` and algorithm confusion are refused
 *   before any key is tried; issuer, audience and expiry are required, with a small clock tolerance.
 * - `hmac`: HMAC-SHA256 over the raw body in a configurable header and encoding.
 */
export type TurvoAuthMode = 'bearer' | 'header' | 'query' | 'jwt' | 'hmac';

export interface TurvoAuth {
  mode: TurvoAuthMode;
  /** Tokens (bearer/header/query), HS256 secrets (jwt) or HMAC secrets (hmac). */
  secrets: readonly string[];
  /** RS256/ES256 verifying keys (PEM). */
  publicKeys: readonly string[];
  tokenHeader: string;
  tokenQueryParam: string;
  jwt: JwtRules;
  hmac: { header: string; encoding: 'hex' | 'base64' };
}

/** How long the tokens our sender kit mints live; Turvo's own lifetime is unknown, expiry is what we check. */
export const JWT_LIFETIME_SECONDS = 300;

export function turvoHmacScheme(auth: TurvoAuth): HmacScheme {
  return { algorithm: 'sha256', signatureHeader: auth.hmac.header, encoding: auth.hmac.encoding, prefix: '', signedString: '{body}' };
}

/** Builds the verifier once per endpoint (keys parsed at start-up, not per request). */
export function turvoVerifier(auth: TurvoAuth): (delivery: Delivery, now: Date) => void {
  switch (auth.mode) {
    case 'hmac': {
      const scheme = turvoHmacScheme(auth);
      const keys = auth.secrets.map((s) => Buffer.from(s, 'utf8'));
      return (delivery, now) => verifyHmac(delivery, scheme, keys, now);
    }
    case 'jwt': {
      const keys = jwtKeys(auth);
      return (delivery, now) => verifyTurvoJwt(presentedToken(delivery, BEARER), keys, auth.jwt, now);
    }
    default:
      return tokenVerifier(auth.secrets, tokenLocation(auth));
  }
}

export function tokenLocation(auth: TurvoAuth): TokenLocation {
  if (auth.mode === 'header') return { header: auth.tokenHeader };
  if (auth.mode === 'query') return { query: auth.tokenQueryParam };
  return BEARER;
}

const BEARER: TokenLocation = { header: 'authorization', scheme: 'Bearer' };

function jwtKeys(auth: TurvoAuth): JwtKey[] {
  if (auth.jwt.algorithm === 'HS256') return [...auth.secrets];
  return auth.publicKeys.map((pem) => createPublicKey(pem));
}

/** Turvo's JWT check (core/jwt.ts), its refusals as delivery reasons. */
function verifyTurvoJwt(token: string, keys: readonly JwtKey[], options: JwtRules, now: Date): void {
  if (keys.length === 0) throw new WebhookVerificationError('source_not_configured');
  try {
    verifyJwt(token, keys, options, now);
  } catch (err) {
    if (err instanceof JwtRefusedError) throw new WebhookVerificationError(err.reason);
    throw err;
  }
}

/** Mints a token as a Turvo-side sender would: for tests and the sender CLI. */
export function signTurvoJwt(key: string, options: JwtRules, now: Date, claims: jwt.JwtPayload = {}): string {
  const iat = Math.floor(now.getTime() / 1000);
  const payload: jwt.JwtPayload = { iss: options.issuer, aud: options.audience, iat, exp: iat + JWT_LIFETIME_SECONDS, ...claims };
  // A claim given as undefined is left out (tests mint tokens without an expiry).
  for (const [name, value] of Object.entries(payload)) if (value === undefined) delete payload[name];
  return jwt.sign(payload, key, { algorithm: options.algorithm });
}

/** Adds the credential the configured mode expects. `key` is a token, a secret, or a private key (PEM). */
export function signTurvo(message: OutgoingDelivery, auth: TurvoAuth, key: string, now: Date): OutgoingDelivery {
  switch (auth.mode) {
    case 'bearer':
    case 'header':
    case 'query':
      return presentToken(message, tokenLocation(auth), key);
    case 'jwt':
      return { ...message, headers: { ...message.headers, authorization: `Bearer ${signTurvoJwt(key, auth.jwt, now)}` } };
    case 'hmac':
      return signHmac(message, turvoHmacScheme(auth), Buffer.from(key, 'utf8'), now);
  }
}
