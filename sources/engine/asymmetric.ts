import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { WebhookVerificationError } from '../../core/errors';
import type { Delivery } from '../types';
import { readSigned, type SignatureScheme } from './hmac';

/**
 * Asymmetric signatures over the same signed strings as HMAC (sources/engine/signed-string.ts): the
 * sender holds a private key, the receiver only public ones (several during a rotation). Ed25519
 * (Discord-style: `x-signature-ed25519` over `{timestamp}{body}`), RSA-SHA256 (PKCS #1 v1.5) and
 * ECDSA P-256 with SHA-256 (DER, or the fixed 64-byte `ieee-p1363` form JOSE uses).
 */
export const ASYMMETRIC_ALGORITHMS = ['ed25519', 'rsa-sha256', 'ecdsa-p256'] as const;
export type AsymmetricAlgorithm = (typeof ASYMMETRIC_ALGORITHMS)[number];
export type EcdsaFormat = 'der' | 'ieee-p1363';

export interface AsymmetricScheme extends SignatureScheme {
  readonly algorithm: AsymmetricAlgorithm;
  readonly ecdsaFormat: EcdsaFormat;
}

const KEY_TYPE: Record<AsymmetricAlgorithm, string> = { ed25519: 'ed25519', 'rsa-sha256': 'rsa', 'ecdsa-p256': 'ec' };

/**
 * A public key as vendors publish them: PEM (SPKI), base64 DER (SPKI), or for Ed25519 the raw 32
 * bytes in hex or base64. Throws an Error saying what is wrong (for a config error naming the field).
 */
export function parsePublicKey(text: string, algorithm: AsymmetricAlgorithm): KeyObject {
  const value = text.trim();
  let key: KeyObject;
  try {
    if (value.includes('-----BEGIN')) key = createPublicKey(value);
    else {
      const raw = /^[0-9a-fA-F]{64}$/.test(value) ? Buffer.from(value, 'hex') : Buffer.from(value, 'base64');
      key = algorithm === 'ed25519' && raw.length === 32
        ? createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' })
        : createPublicKey({ key: raw, format: 'der', type: 'spki' });
    }
  } catch {
    throw new Error('not a public key (PEM, base64 DER, or for ed25519 32 bytes in hex or base64)');
  }
  if (key.asymmetricKeyType !== KEY_TYPE[algorithm]) throw new Error(`a ${key.asymmetricKeyType ?? 'unknown'} key, not one for ${algorithm}`);
  if (algorithm === 'ecdsa-p256' && key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') throw new Error(`an EC key on ${key.asymmetricKeyDetails?.namedCurve}, not P-256`);
  if (algorithm === 'rsa-sha256' && (key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) throw new Error('an RSA key shorter than 2048 bits');
  return key;
}

/** Whether bytes can be a signature of this scheme with one of these keys (else: malformed, not wrong). */
function fits(scheme: AsymmetricScheme, keys: readonly KeyObject[]): (signature: Buffer) => boolean {
  switch (scheme.algorithm) {
    case 'ed25519':
      return (s) => s.length === 64;
    case 'rsa-sha256':
      return (s) => keys.some((k) => s.length * 8 === k.asymmetricKeyDetails?.modulusLength);
    case 'ecdsa-p256':
      return scheme.ecdsaFormat === 'ieee-p1363' ? (s) => s.length === 64 : (s) => s.length >= 8 && s.length <= 72;
  }
}

/** Whether the signature is the key's over the data (node returns false, not an error, for bytes that are no signature). */
function asymmetricVerify(scheme: Pick<AsymmetricScheme, 'algorithm' | 'ecdsaFormat'>, key: KeyObject, data: Buffer, signature: Buffer): boolean {
  if (scheme.algorithm === 'ed25519') return verify(null, data, key, signature);
  if (scheme.algorithm === 'rsa-sha256') return verify('sha256', data, key, signature);
  return verify('sha256', data, { key, dsaEncoding: scheme.ecdsaFormat }, signature);
}

/** Verifies a delivery with any of the public keys (rotation). Fails closed without keys. */
export function verifyAsymmetric(delivery: Delivery, scheme: AsymmetricScheme, keys: readonly KeyObject[], now: Date): void {
  if (keys.length === 0) throw new WebhookVerificationError('source_not_configured');
  const { signatures, data } = readSigned(delivery, scheme, now, fits(scheme, keys));
  const bytes = Buffer.concat(data.map((d) => (typeof d === 'string' ? Buffer.from(d, 'utf8') : d)));
  if (!signatures.some((s) => keys.some((k) => asymmetricVerify(scheme, k, bytes, s)))) throw new WebhookVerificationError('signature_mismatch');
}
