import { createPrivateKey, generateKeyPairSync, sign } from 'node:crypto';
import type { AsymmetricAlgorithm, AsymmetricScheme } from '../engine/asymmetric';
import type { OutgoingDelivery } from '../types';
import { signWith } from './hmac';

/** The sender's half of sources/engine/asymmetric.ts: signing with a private key, and making key pairs for tests. */
export function signAsymmetric(message: OutgoingDelivery, scheme: AsymmetricScheme, privateKeyPem: string, now: Date, url?: string): OutgoingDelivery {
  const privateKey = createPrivateKey(privateKeyPem);
  return signWith(message, scheme, now, url, (data) => {
    const bytes = Buffer.concat(data.map((d) => (typeof d === 'string' ? Buffer.from(d, 'utf8') : d)));
    if (scheme.algorithm === 'ed25519') return sign(null, bytes, privateKey);
    if (scheme.algorithm === 'rsa-sha256') return sign('sha256', bytes, privateKey);
    return sign('sha256', bytes, { key: privateKey, dsaEncoding: scheme.ecdsaFormat });
  });
}

/** A fresh key pair in PEM (SPKI public, PKCS #8 private): generated at test time, never committed. */
export function keyPair(algorithm: AsymmetricAlgorithm): { publicKey: string; privateKey: string } {
  const publicKeyEncoding = { type: 'spki', format: 'pem' } as const;
  const privateKeyEncoding = { type: 'pkcs8', format: 'pem' } as const;
  if (algorithm === 'ed25519') return generateKeyPairSync('ed25519', { publicKeyEncoding, privateKeyEncoding });
  if (algorithm === 'rsa-sha256') return generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding, privateKeyEncoding });
  return generateKeyPairSync('ec', { namedCurve: 'P-256', publicKeyEncoding, privateKeyEncoding });
}
