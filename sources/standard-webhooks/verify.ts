import { ConfigError } from '../../core/env';
import type { HmacScheme } from '../engine/hmac';

/**
 * Standard Webhooks (https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md):
 * `webhook-signature` holds space-separated `v1,<base64>` entries, each an HMAC-SHA256 of
 * `<webhook-id>.<webhook-timestamp>.<raw body>` keyed with the base64-decoded part of `whsec_…`.
 *
 * Verification and signing run on the shared HMAC engine, not on the `standardwebhooks` package,
 * whose `verify` reads the clock itself (no injectable `now`), reports reasons only as message text,
 * takes one secret per instance, and turns a Buffer body into a UTF-8 string before hashing (so it
 * signs other bytes than a non-UTF-8 body's). The package is the reference implementation in the
 * tests (test/sources/standard-webhooks): its signatures must verify here and ours there.
 */
export const SECRET_PREFIX = 'whsec_';
const SECRET = /^(whsec_)?[A-Za-z0-9+/]+={0,2}$/;

export function standardWebhooksScheme(toleranceSeconds: number): HmacScheme {
  return {
    algorithm: 'sha256',
    signatureHeader: 'webhook-signature',
    encoding: 'base64',
    prefix: 'v1,',
    separator: ' ',
    signedString: '{id}.{timestamp}.{body}',
    timestamp: { header: 'webhook-timestamp', unit: 'seconds', toleranceSeconds },
    idHeader: 'webhook-id',
  };
}

/** The key bytes: the base64 after the optional `whsec_` prefix. */
export function decodeSecret(secret: string): Buffer {
  return Buffer.from(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret, 'base64');
}

export function checkSecrets(secrets: readonly string[], field: string): void {
  secrets.forEach((secret, i) => {
    if (!SECRET.test(secret) || decodeSecret(secret).length === 0) {
      throw new ConfigError(`SOURCES_CONFIG ${field}[${i}]: expected whsec_<base64>, as the sender shows it`);
    }
  });
}
