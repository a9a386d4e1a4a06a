import { hmac } from '../../core/crypto';
import type { HmacScheme } from '../engine/hmac';

/** Samsara documents no replay window; five minutes is the industry default (Stripe, Standard Webhooks). */
export const SAMSARA_TOLERANCE_SECONDS = 300;

/** Signs a body the way Samsara does: for tests, fixtures and the sender CLI. */
export function signSamsara(rawBody: Buffer | string, secretBase64: string, timestampSeconds: number): Record<string, string> {
  const mac = hmac('sha256', Buffer.from(secretBase64, 'base64'), `v1:${timestampSeconds}:`, rawBody).toString('hex');
  return { 'x-samsara-signature': `v1=${mac}`, 'x-samsara-timestamp': String(timestampSeconds) };
}

/**
 * `X-Samsara-Signature: v1=<hex>` is HMAC-SHA256 over `v1:<X-Samsara-Timestamp>:<raw body>`, keyed
 * with the base64-decoded secret (the vendor's .NET SDK, WebhooksHelper.cs), described for the shared
 * HMAC engine, which verifies it; the sender kit derives its tamperings and replay window from it.
 */
export function samsaraScheme(toleranceSeconds: number): HmacScheme {
  return {
    algorithm: 'sha256',
    signatureHeader: 'x-samsara-signature',
    encoding: 'hex',
    prefix: 'v1=',
    signedString: 'v1:{timestamp}:{body}',
    timestamp: { header: 'x-samsara-timestamp', unit: 'seconds', toleranceSeconds },
  };
}
