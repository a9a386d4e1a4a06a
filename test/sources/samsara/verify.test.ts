import { WebhookVerificationError } from '../../../core/errors';
import { verifyHmac } from '../../../sources/engine/hmac';
import { samsaraScheme, signSamsara } from '../../../sources/samsara/verify';
import { asDelivery } from '../../../sources/sender/request';
import type { Delivery } from '../../../sources/types';
import { fixture } from '../../support/fixtures';

const SECRET = Buffer.from('samsara-test-secret-0001').toString('base64');
const OLD_SECRET = Buffer.from('samsara-previous-secret').toString('base64');
const NOW = new Date('2026-11-24T16:42:20Z');
const NOW_S = Math.floor(NOW.getTime() / 1000);
const options = { secrets: [Buffer.from(SECRET, 'base64')], toleranceSeconds: 300 };

/** Samsara's verification: its scheme on the shared engine, as the adapter runs it. */
function verifySamsara(d: Delivery, o: typeof options, now: Date): void {
  verifyHmac(d, samsaraScheme(o.toleranceSeconds), o.secrets, now);
}

function delivery(body: Buffer, headers: Record<string, string>): Delivery {
  return asDelivery({ body, headers, query: {} }, NOW);
}

function signed(body = fixture('samsara', 'route-stop-arrival'), timestamp = NOW_S, secret = SECRET): Delivery {
  return delivery(body, signSamsara(body, secret, timestamp));
}

function reason(fn: () => void): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof WebhookVerificationError) return err.reason;
    throw err;
  }
  return 'accepted';
}

describe('verifySamsara', () => {
  it('accepts a correctly signed delivery', () => {
    expect(reason(() => verifySamsara(signed(), options, NOW))).toBe('accepted');
  });

  it('refuses a missing signature header', () => {
    const d = signed();
    const { 'x-samsara-signature': _, ...headers } = d.headers as Record<string, string>;
    expect(reason(() => verifySamsara(delivery(d.rawBody, headers), options, NOW))).toBe('missing_signature');
  });

  it('refuses a missing timestamp header', () => {
    const d = signed();
    const { 'x-samsara-timestamp': _, ...headers } = d.headers as Record<string, string>;
    expect(reason(() => verifySamsara(delivery(d.rawBody, headers), options, NOW))).toBe('missing_timestamp');
  });

  it.each([
    ['no scheme', (sig: string) => sig.slice(3)],
    ['wrong scheme', (sig: string) => sig.replace('v1=', 'v0=')],
    ['not hex', (sig: string) => sig.replace(/.$/, 'z')],
    ['truncated', (sig: string) => sig.slice(0, -2)],
  ])('refuses a malformed signature header (%s)', (_name, mangle) => {
    const d = signed();
    const headers = { ...(d.headers as Record<string, string>) };
    headers['x-samsara-signature'] = mangle(headers['x-samsara-signature']!);
    expect(reason(() => verifySamsara(delivery(d.rawBody, headers), options, NOW))).toBe('malformed_signature');
  });

  it('refuses a signature made with the wrong secret', () => {
    const wrong = Buffer.from('not-the-secret').toString('base64');
    expect(reason(() => verifySamsara(signed(undefined, NOW_S, wrong), options, NOW))).toBe('signature_mismatch');
  });

  it('refuses a tampered body', () => {
    const d = signed();
    const tampered = Buffer.from(d.rawBody.toString('utf8').replace('STOP-2', 'STOP-3'));
    expect(reason(() => verifySamsara(delivery(tampered, d.headers as Record<string, string>), options, NOW))).toBe('signature_mismatch');
  });

  it('refuses a signature over the body with another timestamp', () => {
    const d = signed();
    const headers = { ...(d.headers as Record<string, string>), 'x-samsara-timestamp': String(NOW_S - 1) };
    expect(reason(() => verifySamsara(delivery(d.rawBody, headers), options, NOW))).toBe('signature_mismatch');
  });

  it('refuses a stale timestamp and a future one as separate reasons', () => {
    expect(reason(() => verifySamsara(signed(undefined, NOW_S - 301), options, NOW))).toBe('timestamp_too_old');
    expect(reason(() => verifySamsara(signed(undefined, NOW_S + 301), options, NOW))).toBe('timestamp_too_new');
    expect(reason(() => verifySamsara(signed(undefined, NOW_S - 299), options, NOW))).toBe('accepted');
  });

  it('refuses a timestamp that is not a number', () => {
    const d = signed();
    const headers = { ...(d.headers as Record<string, string>), 'x-samsara-timestamp': '2026-11-24T16:42:20Z' };
    expect(reason(() => verifySamsara(delivery(d.rawBody, headers), options, NOW))).toBe('malformed_timestamp');
  });

  it('accepts any of several secrets during a rotation', () => {
    const rotating = { ...options, secrets: [Buffer.from(SECRET, 'base64'), Buffer.from(OLD_SECRET, 'base64')] };
    expect(reason(() => verifySamsara(signed(undefined, NOW_S, OLD_SECRET), rotating, NOW))).toBe('accepted');
    expect(reason(() => verifySamsara(signed(undefined, NOW_S, SECRET), rotating, NOW))).toBe('accepted');
    expect(reason(() => verifySamsara(signed(undefined, NOW_S, OLD_SECRET), options, NOW))).toBe('signature_mismatch');
  });

  it('verifies an empty body by its signature (parsing refuses it later), and refuses it when signed for another body', () => {
    const empty = Buffer.alloc(0);
    expect(reason(() => verifySamsara(signed(empty), options, NOW))).toBe('accepted');
    const d = signed();
    expect(reason(() => verifySamsara(delivery(empty, d.headers as Record<string, string>), options, NOW))).toBe('signature_mismatch');
  });

  it('fails closed when no secret is configured', () => {
    expect(reason(() => verifySamsara(signed(), { ...options, secrets: [] }, NOW))).toBe('source_not_configured');
  });

  it('refuses a signature header sent twice', () => {
    const d = signed();
    const headers = { ...(d.headers as Record<string, string | string[]>) };
    headers['x-samsara-signature'] = [headers['x-samsara-signature'] as string, 'v1=00'];
    expect(reason(() => verifySamsara({ ...d, headers }, options, NOW))).toBe('duplicate_header');
  });
});
