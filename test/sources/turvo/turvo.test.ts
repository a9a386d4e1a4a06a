import { generateKeyPairSync } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { turvo, type TurvoConfig } from '../../../sources/turvo';
import { parseTurvoEvent, turvoEventKey } from '../../../sources/turvo/events';
import { loadFixture } from '../../../sources/sender/fixtures';
import { delivery, reason } from '../support';

const NOW = new Date('2026-11-24T16:45:10Z');
const JWT = { TURVO_AUTH_MODE: 'jwt', TURVO_JWT_ISSUER: 'https://app.turvo.com', TURVO_JWT_AUDIENCE: 'webhook-sagas' };
const configure = (env: NodeJS.ProcessEnv): TurvoConfig => turvo.configure(env)[0]!;
const fixture = (name: string) => loadFixture(turvo.sender.fixturesDir({} as TurvoConfig), name).body;

function keyOf(body: object | Buffer): string {
  const raw = Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
  return turvoEventKey(parseTurvoEvent(raw), raw);
}

describe('Turvo event key', () => {
  const status = JSON.parse(fixture('shipment-status-update').toString()) as { eventPayload: Record<string, unknown> };

  it('is built from stable fields, identical on a byte-identical retry', () => {
    expect(keyOf(fixture('shipment-status-update'))).toBe('SHIPMENT_STATUS_UPDATE.40123.98765.s2106.u1795538702318');
    expect(keyOf(fixture('shipment-status-update'))).toBe(keyOf(fixture('shipment-status-update')));
  });

  it('does not change when fields outside the key are re-rendered on a retry', () => {
    const rerendered = { ...status, eventPayload: { ...status.eventPayload, status: { code: { key: '2106', value: 'At delivery (renamed)' } } } };
    expect(keyOf(rerendered)).toBe(keyOf(status));
  });

  it('tells two updates of one shipment apart by their update time', () => {
    const later = { ...status, eventPayload: { ...status.eventPayload, lastUpdatedOn: '2026-11-24T16:50:00.000Z' } };
    expect(keyOf(later)).not.toBe(keyOf(status));
  });

  it('keeps the update time to the precision it was written in, and tells no tenant from a tenant named none', () => {
    const at = (lastUpdatedOn: string, extra: object = {}) => keyOf({ ...status, ...extra, eventPayload: { ...status.eventPayload, lastUpdatedOn } });
    expect(at('2026-11-24T16:45:02.3181234Z')).toBe('SHIPMENT_STATUS_UPDATE.40123.98765.s2106.u1795538702318.1234');
    expect(at('2026-11-24T16:45:02.3181235Z')).not.toBe(at('2026-11-24T16:45:02.3181234Z'));
    // The same instant written otherwise is the same update; a time in another form is kept as sent.
    expect(at('2026-11-24T17:45:02.318000+01:00')).toBe(at('2026-11-24T16:45:02.318Z'));
    expect(at('Tue, 24 Nov 2026 16:45:02 GMT')).toBe('SHIPMENT_STATUS_UPDATE.40123.98765.s2106.tTue, 24 Nov 2026 16:45:02 GMT');
    const { tenantId: _drop, ...noTenant } = status as Record<string, unknown>;
    expect(keyOf({ ...noTenant })).toBe('SHIPMENT_STATUS_UPDATE.none.98765.s2106.u1795538702318');
    expect(keyOf({ ...status, tenantId: 'none' })).toBe('SHIPMENT_STATUS_UPDATE.@none.98765.s2106.u1795538702318');
    // A tenant or status that is there but is no usable id is not taken for "none": the body's hash decides.
    expect(keyOf({ ...status, tenantId: 'a b' })).toMatch(/^body-sha256-/);
    expect(keyOf({ ...status, tenantId: 2 ** 60 })).toMatch(/^body-sha256-/);
  });

  it('never takes an update time it cannot write for no update time (that would merge updates of one status)', () => {
    const at = (lastUpdatedOn: unknown) => keyOf({ ...status, eventPayload: { ...status.eventPayload, lastUpdatedOn } });
    // A number is kept under its own letter: two updates differ, and never meet an ISO time's key.
    expect(at(1795538702318)).toBe('SHIPMENT_STATUS_UPDATE.40123.98765.s2106.n1795538702318');
    expect(at(1795538702319)).not.toBe(at(1795538702318));
    // Present but unusable: the body's hash, so two such updates with different bodies stay apart.
    for (const odd of ['', 2 ** 60, 1.5, { date: '2026-11-24' }, true]) expect(at(odd)).toMatch(/^body-sha256-/);
    const first = { ...status, eventPayload: { ...status.eventPayload, lastUpdatedOn: '', notes: 'first' } };
    expect(keyOf({ ...first, eventPayload: { ...first.eventPayload, notes: 'second' } })).not.toBe(keyOf(first));
    // null reads as absent, as a missing field does.
    const { lastUpdatedOn: _drop, ...payload } = status.eventPayload;
    expect(at(null)).toBe(keyOf({ ...status, eventPayload: payload }));
  });

  it('without an update time, merges a status reached twice (the documented limitation)', () => {
    const { lastUpdatedOn: _drop, ...payload } = status.eventPayload;
    const first = { ...status, eventPayload: { ...payload, status: { code: { key: '2106' } }, notes: 'first arrival' } };
    const again = { ...status, eventPayload: { ...payload, status: { code: { key: '2106' } }, notes: 'second arrival' } };
    expect(keyOf(again)).toBe(keyOf(first));
    expect(keyOf(first)).toBe('SHIPMENT_STATUS_UPDATE.40123.98765.s2106');
  });

  it('keys a creation event by the entity alone', () => {
    expect(keyOf(fixture('offer-create'))).toBe('OFFER_CREATE.40123.880341');
  });

  it('falls back to the hash of the raw body when nothing pins the event down', () => {
    const update = { eventName: 'SHIPMENT_UPDATE', tenantId: 40123, eventPayload: { id: 98765, equipment: [{ type: 'Reefer' }] } };
    expect(keyOf(update)).toMatch(/^body-sha256-[0-9a-f]{64}$/);
    expect(keyOf(update)).toBe(keyOf(update));
    expect(keyOf({ ...update, eventPayload: { ...update.eventPayload, equipment: [{ type: 'Dry van' }] } })).not.toBe(keyOf(update));
    expect(keyOf({ eventName: 'SHIPMENT_STATUS_UPDATE', eventPayload: { status: { code: { key: '2106' } } } })).toMatch(/^body-sha256-/);
  });
});

describe('Turvo static tokens', () => {
  it('accepts a lower-case bearer scheme and refuses a query token sent twice', () => {
    const bearer = turvo.create(configure({ TURVO_WEBHOOK_SECRETS: 'tok-1' }));
    expect(reason(() => bearer.verify(delivery({ body: '{}', headers: { authorization: 'bearer tok-1' } }), NOW))).toBe('accepted');
    const query = turvo.create(configure({ TURVO_AUTH_MODE: 'query', TURVO_WEBHOOK_SECRETS: 'tok-1' }));
    expect(reason(() => query.verify(delivery({ body: '{}', headers: {}, query: { token: ['tok-1', 'tok-1'] } }), NOW))).toBe('malformed_token');
    expect(reason(() => query.verify(delivery({ body: '{}', headers: {}, query: { token: 'tok-1' } }), NOW))).toBe('accepted');
  });

  it('accepts every token of a rotation', () => {
    const header = turvo.create(configure({ TURVO_AUTH_MODE: 'header', TURVO_TOKEN_HEADER: 'X-Hook-Token', TURVO_WEBHOOK_SECRETS: 'old,new' }));
    for (const token of ['old', 'new']) expect(reason(() => header.verify(delivery({ body: '{}', headers: { 'x-hook-token': token } }), NOW))).toBe('accepted');
    expect(reason(() => header.verify(delivery({ body: '{}', headers: { 'x-hook-token': 'older' } }), NOW))).toBe('token_mismatch');
  });
});

describe('Turvo JWT', () => {
  const hs = configure({ ...JWT, TURVO_WEBHOOK_SECRETS: 'hs-secret' });
  const hsAdapter = turvo.create(hs);
  const token = (claims: object, key = 'hs-secret', options: jwt.SignOptions = { algorithm: 'HS256' }) =>
    delivery({ body: '{}', headers: { authorization: `Bearer ${jwt.sign({ iss: 'https://app.turvo.com', aud: 'webhook-sagas', ...claims }, key, options)}` } });
  const iat = Math.floor(NOW.getTime() / 1000);

  it('allows the configured clock tolerance on expiry and issue time, no more', () => {
    expect(reason(() => hsAdapter.verify(token({ iat: iat - 400, exp: iat - 29 }), NOW))).toBe('accepted');
    expect(reason(() => hsAdapter.verify(token({ iat: iat - 400, exp: iat - 31 }), NOW))).toBe('token_expired');
    expect(reason(() => hsAdapter.verify(token({ iat: iat + 29, exp: iat + 300 }), NOW))).toBe('accepted');
    expect(reason(() => hsAdapter.verify(token({ iat: iat + 31, exp: iat + 300 }), NOW))).toBe('token_not_yet_valid');
    expect(reason(() => hsAdapter.verify(token({ iat, nbf: iat + 60, exp: iat + 300 }), NOW))).toBe('token_not_yet_valid');
  });

  it('accepts an audience list that contains ours', () => {
    expect(reason(() => hsAdapter.verify(token({ iat, exp: iat + 60, aud: ['other', 'webhook-sagas'] }), NOW))).toBe('accepted');
  });

  it('refuses tokens of another algorithm, even signed correctly', () => {
    expect(reason(() => hsAdapter.verify(token({ iat, exp: iat + 60 }, 'hs-secret', { algorithm: 'HS512' }), NOW))).toBe('algorithm_not_allowed');
  });

  it('verifies RS256 with any configured public key (rotation); keys come with \\n escapes from env files', () => {
    const pair = () => generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
    const [a, b] = [pair(), pair()];
    const escaped = `${a.publicKey.replace(/\n/g, '\\n')},${b.publicKey.replace(/\n/g, '\\n')}`;
    const rs = turvo.create(configure({ ...JWT, TURVO_JWT_ALGORITHM: 'RS256', TURVO_JWT_PUBLIC_KEYS: escaped }));
    for (const key of [a.privateKey, b.privateKey]) expect(reason(() => rs.verify(token({ iat, exp: iat + 60 }, key, { algorithm: 'RS256' }), NOW))).toBe('accepted');
    expect(reason(() => rs.verify(token({ iat, exp: iat + 60 }, pair().privateKey, { algorithm: 'RS256' }), NOW))).toBe('invalid_token');
  });

  it('refuses bad configuration at start-up, naming the variable', () => {
    expect(() => configure({ TURVO_AUTH_MODE: 'jwt' })).toThrow(/TURVO_JWT_ISSUER/);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
    expect(() => configure({ ...JWT, TURVO_JWT_ALGORITHM: 'ES256', TURVO_JWT_PUBLIC_KEYS: rsa.publicKey })).toThrow(/TURVO_JWT_PUBLIC_KEYS: key 1 is not a P-256 EC public key/);
    expect(() => configure({ TURVO_AUTH_MODE: 'oauth' })).toThrow(/TURVO_AUTH_MODE/);
    expect(() => configure({ ...JWT, TURVO_JWT_ALGORITHM: 'none' })).toThrow(/TURVO_JWT_ALGORITHM/);
  });
});
