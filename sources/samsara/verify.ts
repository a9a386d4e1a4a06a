import { hmac, matchesAny } from '../../core/crypto';
import { WebhookVerificationError } from '../../core/errors';
import type { Delivery } from '../types';
import { checkTimestamp, singleHeader } from '../engine/headers';
import type { HmacScheme } from '../engine/hmac';

/** Samsara documents no replay window; five minutes is the industry default (Stripe, Standard Webhooks). */
export const SAMSARA_TOLERANCE_SECONDS = 300;

export interface SamsaraVerifyOptions {
  /** Webhook secrets, already base64-decoded: Samsara keys the HMAC with the decoded bytes. */
  secrets: readonly Buffer[];
  toleranceSeconds: number;
}

const SIGNATURE = /^v1=([0-9a-f]{64})$/i;

/**
 * `X-Samsara-Signature: v1=<hex>` is HMAC-SHA256 over `v1:<X-Samsara-Timestamp>:<raw body>`,
 * keyed with the base64-decoded secret (the vendor's .NET SDK, WebhooksHelper.cs).
 */
export function verifySamsara(delivery: Delivery, options: SamsaraVerifyOptions, now: Date): void {
  if (options.secrets.length === 0) throw new WebhookVerificationError('source_not_configured');
  const signature = singleHeader(delivery, 'x-samsara-signature');
  if (!signature) throw new WebhookVerificationError('missing_signature');
  const timestamp = singleHeader(delivery, 'x-samsara-timestamp');
  if (!timestamp) throw new WebhookVerificationError('missing_timestamp');
  const match = SIGNATURE.exec(signature.trim());
  if (!match) throw new WebhookVerificationError('malformed_signature');
  checkTimestamp(timestamp, 'seconds', options.toleranceSeconds, now);

  const candidate = Buffer.from(match[1]!, 'hex');
  const expected = options.secrets.map((secret) => hmac('sha256', secret, `v1:${timestamp}:`, delivery.rawBody));
  if (!matchesAny(candidate, expected)) throw new WebhookVerificationError('signature_mismatch');
}

/** Signs a body the way Samsara does: for tests, fixtures and the sender CLI. */
export function signSamsara(rawBody: Buffer | string, secretBase64: string, timestampSeconds: number): Record<string, string> {
  const mac = hmac('sha256', Buffer.from(secretBase64, 'base64'), `v1:${timestampSeconds}:`, rawBody).toString('hex');
  return { 'x-samsara-signature': `v1=${mac}`, 'x-samsara-timestamp': String(timestampSeconds) };
}

/**
 * The same scheme described for the shared HMAC engine: the sender kit derives its tamperings and
 * replay window from it (verifySamsara above stays the verifier, with its own tests).
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
