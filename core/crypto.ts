import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Constant-time comparison of two byte strings. Unequal lengths return false without
 * calling timingSafeEqual (which throws on them); length is not secret for a signature.
 * Every signature and token comparison in this project goes through here: never `===`.
 */
export function safeEqual(a: Buffer | string, b: Buffer | string): boolean {
  const left = typeof a === 'string' ? Buffer.from(a, 'utf8') : a;
  const right = typeof b === 'string' ? Buffer.from(b, 'utf8') : b;
  if (left.length !== right.length || left.length === 0) return false;
  return timingSafeEqual(left, right);
}

export type HmacAlgorithm = 'sha1' | 'sha256' | 'sha512';

export function hmac(algorithm: HmacAlgorithm, key: Buffer | string, ...parts: (Buffer | string)[]): Buffer {
  const mac = createHmac(algorithm, key);
  for (const part of parts) mac.update(part);
  return mac.digest();
}

/** True when `candidate` equals any of the expected signatures (secret rotation). */
export function matchesAny(candidate: Buffer, expected: Iterable<Buffer>): boolean {
  let matched = false;
  // No early exit: every secret is tried so timing does not reveal which one matched.
  for (const e of expected) matched = safeEqual(candidate, e) || matched;
  return matched;
}

/** Per process: a digest an attacker cannot compute offline, so comparing digests reveals nothing about the token. */
const TOKEN_DIGEST_KEY = randomBytes(32);

/**
 * A static token (a bearer or header token, not a signature) for comparison with safeEqual or
 * matchesAny. A token's length is part of the secret, and safeEqual answers unequal lengths at
 * once: compared as keyed SHA-256 digests, every candidate takes the same time whatever its length.
 */
export function tokenDigest(token: Buffer | string): Buffer {
  return hmac('sha256', TOKEN_DIGEST_KEY, token);
}
