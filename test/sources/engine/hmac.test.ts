import { decodeKey, verifyHmac, type HmacScheme } from '../../../sources/engine/hmac';
import { signHmac } from '../../../sources/sender/hmac';
import { delivery, reason } from '../support';

const NOW = new Date('2026-11-24T16:42:20Z');

const github: HmacScheme = { algorithm: 'sha256', signatureHeader: 'x-hub-signature-256', encoding: 'hex', prefix: 'sha256=', signedString: '{body}' };
const versioned: HmacScheme = {
  algorithm: 'sha256',
  signatureHeader: 'webhook-signature',
  encoding: 'base64',
  prefix: 'v1,',
  separator: ' ',
  signedString: '{id}.{timestamp}.{body}',
  timestamp: { header: 'webhook-timestamp', unit: 'seconds', toleranceSeconds: 300 },
  idHeader: 'webhook-id',
};

describe('the shared HMAC engine', () => {
  it("matches GitHub's published example (secret, payload and signature from its docs)", () => {
    const d = delivery({ body: 'Hello, World!', headers: { 'x-hub-signature-256': 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17' } });
    expect(reason(() => verifyHmac(d, github, [Buffer.from("It's a Secret to Everybody")], NOW))).toBe('accepted');
  });

  it("matches the Standard Webhooks library's test vector", () => {
    const d = delivery({
      body: '{"test": 2432232314}',
      headers: { 'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek', 'webhook-timestamp': '1614265330', 'webhook-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=' },
    });
    const key = Buffer.from('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'base64');
    expect(reason(() => verifyHmac(d, versioned, [key], new Date(1614265330 * 1000)))).toBe('accepted');
  });

  it('accepts any matching entry of a multi-signature header and skips other versions', () => {
    const key = Buffer.from('k1');
    const signed = signHmac({ body: Buffer.from('{"a":1}'), headers: { 'webhook-id': 'msg_1' }, query: {} }, versioned, key, NOW);
    const good = signed.headers['webhook-signature']!;
    const other = 'v1,' + Buffer.alloc(32, 7).toString('base64');
    for (const header of [`${other} ${good}`, `v2,abc ${good}`, `${good} v1,not-base64!`]) {
      expect([header, reason(() => verifyHmac(delivery({ ...signed, headers: { ...signed.headers, 'webhook-signature': header } }), versioned, [key], NOW))]).toEqual([header, 'accepted']);
    }
    expect(reason(() => verifyHmac(delivery({ ...signed, headers: { ...signed.headers, 'webhook-signature': 'v2,abc v0,def' } }), versioned, [key], NOW))).toBe('malformed_signature');
    expect(reason(() => verifyHmac(delivery({ ...signed, headers: { ...signed.headers, 'webhook-signature': other } }), versioned, [key], NOW))).toBe('signature_mismatch');
  });

  it('accepts any configured key (rotation) and refuses when none matches', () => {
    const signed = signHmac({ body: Buffer.from('{}'), headers: {}, query: {} }, github, Buffer.from('new'), NOW);
    expect(reason(() => verifyHmac(delivery(signed), github, [Buffer.from('old'), Buffer.from('new')], NOW))).toBe('accepted');
    expect(reason(() => verifyHmac(delivery(signed), github, [Buffer.from('old')], NOW))).toBe('signature_mismatch');
  });

  it('signs and verifies sha1 and sha512, hex and base64, and millisecond timestamps', () => {
    for (const algorithm of ['sha1', 'sha512'] as const) {
      for (const encoding of ['hex', 'base64'] as const) {
        const scheme: HmacScheme = { ...github, algorithm, encoding, prefix: '', signedString: '{timestamp}:{body}', timestamp: { header: 'x-ts', unit: 'milliseconds', toleranceSeconds: 60 } };
        const signed = signHmac({ body: Buffer.from('{"x":"y"}'), headers: {}, query: {} }, scheme, Buffer.from('k'), NOW);
        expect(signed.headers['x-ts']).toBe(String(NOW.getTime()));
        expect(reason(() => verifyHmac(delivery(signed), scheme, [Buffer.from('k')], NOW))).toBe('accepted');
        expect(reason(() => verifyHmac(delivery(signed), scheme, [Buffer.from('k')], new Date(NOW.getTime() + 61_000)))).toBe('timestamp_too_old');
      }
    }
  });

  it('decodes keys written in base64 or hex, and uses utf8 keys as they are', () => {
    expect(decodeKey('c2VjcmV0', 'base64').toString()).toBe('secret');
    expect(decodeKey('736563726574', 'hex').toString()).toBe('secret');
    expect(decodeKey('c2VjcmV0', 'utf8').toString()).toBe('c2VjcmV0');
  });

  it('verifies the exact bytes, including bytes that are not UTF-8', () => {
    const body = Buffer.from([0x7b, 0xff, 0xfe, 0x7d]);
    const signed = signHmac({ body, headers: {}, query: {} }, github, Buffer.from('k'), NOW);
    expect(reason(() => verifyHmac(delivery(signed), github, [Buffer.from('k')], NOW))).toBe('accepted');
    const reencoded = Buffer.from(body.toString('utf8'));
    expect(reason(() => verifyHmac(delivery({ ...signed, body: reencoded }), github, [Buffer.from('k')], NOW))).toBe('signature_mismatch');
  });

  it('refuses a signature header sent twice rather than pick one', () => {
    const signed = signHmac({ body: Buffer.from('{}'), headers: {}, query: {} }, github, Buffer.from('k'), NOW);
    const twice = delivery({ body: signed.body, headers: { 'x-hub-signature-256': [signed.headers['x-hub-signature-256']!, 'sha256=00'] } });
    expect(reason(() => verifyHmac(twice, github, [Buffer.from('k')], NOW))).toBe('duplicate_header');
  });
});
