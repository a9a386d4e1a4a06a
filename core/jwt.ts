import type { KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';

export const JWT_ALGORITHMS = ['HS256', 'RS256', 'ES256'] as const;
export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number];
/** A shared secret (HS256) or a verifying key (RS256/ES256). */
export type JwtKey = string | KeyObject;

export interface JwtRules {
  /** Pinned: a token of any other algorithm (`none` included) is refused before a key is tried. */
  algorithm: JwtAlgorithm;
  issuer: string;
  audience: string;
  clockToleranceSeconds: number;
}

/** Why a token was refused. The caller decides how much of it to tell the sender. */
export type JwtRefusal =
  | 'malformed_token'
  | 'algorithm_not_allowed'
  | 'invalid_token'
  | 'token_expired'
  | 'token_not_yet_valid'
  | 'missing_expiry'
  | 'wrong_issuer'
  | 'wrong_audience';

export class JwtRefusedError extends Error {
  constructor(
    readonly reason: JwtRefusal,
    options?: { cause?: unknown },
  ) {
    super(`jwt refused: ${reason}`, options);
    this.name = 'JwtRefusedError';
  }
}

/**
 * Verifies a JWT with any of the keys (rotation) and returns its claims; the one JWT check of the
 * project (Turvo's deliveries, the console). The algorithm is pinned, so neither `none` nor an HS256
 * token signed with an RS256 public key as its "secret" passes; `exp` is required (jsonwebtoken
 * accepts a token without one), issuer and audience must match, and an `iat` in the future beyond
 * the tolerance is refused. Reasons name what failed, never the token or what was expected.
 */
export function verifyJwt(token: string, keys: readonly JwtKey[], rules: JwtRules, now = new Date()): jwt.JwtPayload {
  const decoded = jwt.decode(token, { complete: true });
  if (!decoded || typeof decoded.payload === 'string') throw new JwtRefusedError('malformed_token');
  if (decoded.header.alg !== rules.algorithm) throw new JwtRefusedError('algorithm_not_allowed');

  const nowSeconds = Math.floor(now.getTime() / 1000);
  let claims: jwt.JwtPayload | undefined;
  let lastError: unknown;
  for (const key of keys) {
    try {
      claims = jwt.verify(token, key, { algorithms: [rules.algorithm], clockTimestamp: nowSeconds, clockTolerance: rules.clockToleranceSeconds }) as jwt.JwtPayload;
      break;
    } catch (err) {
      // jsonwebtoken checks the signature before the times: these two mean the key matched.
      if (err instanceof jwt.TokenExpiredError) throw new JwtRefusedError('token_expired', { cause: err });
      if (err instanceof jwt.NotBeforeError) throw new JwtRefusedError('token_not_yet_valid', { cause: err });
      lastError = err;
    }
  }
  if (!claims) throw new JwtRefusedError('invalid_token', { cause: lastError });
  if (typeof claims.exp !== 'number') throw new JwtRefusedError('missing_expiry');
  if (typeof claims.iat === 'number' && claims.iat > nowSeconds + rules.clockToleranceSeconds) throw new JwtRefusedError('token_not_yet_valid');
  if (claims.iss !== rules.issuer) throw new JwtRefusedError('wrong_issuer');
  const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (!audiences.includes(rules.audience)) throw new JwtRefusedError('wrong_audience');
  return claims;
}
