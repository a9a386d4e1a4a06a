import type { HmacScheme } from '../engine/hmac';

/**
 * FrontApp signs in two ways, and which one applies is a property of the endpoint (how the webhook
 * was set up in Front), configured per endpoint and never guessed from the request: guessing would
 * let an attacker pick the weaker scheme.
 *
 * - `app` (application webhooks, https://dev.frontapp.com/docs/application-webhooks):
 *   `x-front-signature` = base64 HMAC-SHA256 of `<x-front-request-timestamp>:<raw body>`, keyed with
 *   the app's signing secret as a plain string; the timestamp is in milliseconds.
 * - `rule` (legacy rule webhooks, https://dev.frontapp.com/docs/rule-webhooks): base64 HMAC-SHA1 of
 *   the raw body alone, keyed with the API secret. No timestamp, so no replay window: the workflow
 *   ID (the event id) is the only replay defence.
 */
export type FrontMode = 'app' | 'rule';

/** Front's security page recommends refusing requests older than five minutes. */
export const FRONT_TOLERANCE_SECONDS = 300;

export function frontScheme(mode: FrontMode, toleranceSeconds: number): HmacScheme {
  if (mode === 'rule') {
    return { algorithm: 'sha1', signatureHeader: 'x-front-signature', encoding: 'base64', prefix: '', signedString: '{body}' };
  }
  return {
    algorithm: 'sha256',
    signatureHeader: 'x-front-signature',
    encoding: 'base64',
    prefix: '',
    signedString: '{timestamp}:{body}',
    timestamp: { header: 'x-front-request-timestamp', unit: 'milliseconds', toleranceSeconds },
  };
}

/** Secrets are used as plain UTF-8 strings (not base64-decoded), as Front's examples do. */
export function frontKey(secret: string): Buffer {
  return Buffer.from(secret, 'utf8');
}
