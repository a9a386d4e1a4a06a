import { generateKeyPairSync } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { signOpsToken } from '../../src/ops/auth';
import { startReceiver, type TestReceiver } from '../support/receiver';
import { uniqueTaskQueue } from '../support/temporal';
import { OPS_ENV, OPS_SECRET, call, token } from './support';

/** The console API's authorization matrix, on the real app (no worker needed: nothing here runs a saga). */
const taskQueue = uniqueTaskQueue('ops-auth');
let receiver: TestReceiver;
let api: string;

beforeAll(async () => {
  receiver = await startReceiver({ ...OPS_ENV, TEMPORAL_TASK_QUEUE: taskQueue });
  api = `${receiver.url}/ops/api`;
});

afterAll(async () => {
  await receiver?.close();
});

const base = { sub: 'mallory', roles: ['operator'] };
const claims = { issuer: OPS_ENV.OPS_JWT_ISSUER, audience: OPS_ENV.OPS_JWT_AUDIENCE, expiresIn: '5m' } as const;

/** A token whose header says alg "none" and which carries no signature. */
function unsigned(): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  return `${part({ alg: 'none', typ: 'JWT' })}.${part({ ...base, iss: claims.issuer, aud: claims.audience, exp: now + 300 })}.`;
}

describe('console API authorization', () => {
  it.each([
    ['no token', undefined, 'missing_token'],
    ['a malformed token', 'not-a-jwt', 'invalid_token'],
    ['an expired token', jwt.sign({ ...base, exp: Math.floor(Date.now() / 1000) - 120 }, OPS_SECRET, { issuer: claims.issuer, audience: claims.audience }), 'token_expired'],
    ['a token for another audience', jwt.sign(base, OPS_SECRET, { ...claims, audience: 'another-app' }), 'invalid_token'],
    ['a token from another issuer', jwt.sign(base, OPS_SECRET, { ...claims, issuer: 'someone-else' }), 'invalid_token'],
    ['a token signed with another secret', jwt.sign(base, 'another-secret-another-secret-another', claims), 'invalid_token'],
    ['a token with another algorithm (HS512)', jwt.sign(base, OPS_SECRET, { ...claims, algorithm: 'HS512' }), 'invalid_token'],
    ['an unsigned token (alg none)', unsigned(), 'invalid_token'],
    ['a token without exp', jwt.sign(base, OPS_SECRET, { issuer: claims.issuer, audience: claims.audience }), 'invalid_token'],
    ['a token without sub', jwt.sign({ roles: ['operator'] }, OPS_SECRET, claims), 'invalid_token'],
  ])('refuses %s with 401', async (_what, bearer, reason) => {
    const res = await call(`${api}/sagas`, bearer);
    expect(res.status).toBe(401);
    expect(res.json.error).toBe(reason);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
  });

  it('refuses a token that is not in a Bearer header', async () => {
    const res = await fetch(`${api}/sagas`, { headers: { authorization: `Basic ${token('operator')}` } });
    expect(res.status).toBe(401);
  });

  it('lets a viewer read but not replay (403)', async () => {
    const viewer = token('viewer');
    expect((await call(`${api}/me`, viewer)).json).toMatchObject({ sub: 'viewer@test', roles: ['viewer'], canReplay: false });
    expect((await call(`${api}/sagas?taskQueue=${taskQueue}`, viewer)).status).toBe(200);
    expect((await call(`${api}/counts?taskQueue=${taskQueue}`, viewer)).status).toBe(200);
    expect((await call(`${api}/audit`, viewer)).status).toBe(200);

    const replay = await call(`${api}/sagas/${encodeURIComponent('samsara:whatever')}/replay`, viewer, { body: {} });
    expect(replay).toMatchObject({ status: 403, json: { error: 'forbidden' } });
    expect((await call(`${api}/replays/preview`, viewer, { body: { filter: {} } })).status).toBe(403);
    expect((await call(`${api}/replays`, viewer, { body: { filter: {}, expect: 1 } })).status).toBe(403);
  });

  it('lets an operator replay (past authorization: an unknown saga is a 404, not a 401/403)', async () => {
    const res = await call(`${api}/sagas/${encodeURIComponent(`samsara:no-such-${taskQueue}`)}/replay`, token('operator'), { body: {} });
    expect(res).toMatchObject({ status: 404, json: { error: 'saga_not_found' } });
  });

  it('gives a token without a known role nothing (403)', async () => {
    expect((await call(`${api}/sagas`, token([] as never[]))).status).toBe(403);
  });

  it('answers 400 for a filter that could change the visibility query', async () => {
    const res = await call(`${api}/sagas?source=${encodeURIComponent("x' OR WorkflowId != '")}`, token('viewer'));
    expect(res).toMatchObject({ status: 400, json: { error: 'bad_filter', field: 'source' } });
    expect((await call(`${api}/sagas?outcome=exploded`, token('viewer'))).status).toBe(400);
  });

  it('refuses a bulk replay without the dry run count', async () => {
    const res = await call(`${api}/replays`, token('operator'), { body: { filter: { taskQueue } } });
    expect(res).toMatchObject({ status: 400, json: { error: 'confirmation_required' } });
  });
});

describe('console API with an asymmetric key (ES256)', () => {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const privatePem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  let es: TestReceiver;

  beforeAll(async () => {
    es = await startReceiver({
      OPS_JWT_ALGORITHM: 'ES256',
      OPS_JWT_PUBLIC_KEY: publicPem.replace(/\n/g, '\\n'),
      OPS_JWT_ISSUER: claims.issuer,
      OPS_JWT_AUDIENCE: claims.audience,
      TEMPORAL_TASK_QUEUE: taskQueue,
    });
  });
  afterAll(async () => {
    await es?.close();
  });

  const mint = (algorithm: 'ES256' | 'RS256' | 'HS256', key: string) =>
    signOpsToken({ sub: 'es-user', roles: ['viewer'], expiresIn: '5m', algorithm, signingKey: key, issuer: claims.issuer, audience: claims.audience });

  it('accepts a token signed with the matching private key', async () => {
    expect((await call(`${es.url}/ops/api/me`, mint('ES256', privatePem))).json).toMatchObject({ sub: 'es-user' });
  });

  it('refuses an HS256 token that uses the public key as its secret (algorithm confusion)', async () => {
    const forged = jwt.sign({ ...base }, publicPem, { ...claims, algorithm: 'HS256' });
    expect((await call(`${es.url}/ops/api/me`, forged)).status).toBe(401);
  });

  it('refuses an RS256 token even when validly signed by its own key', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect((await call(`${es.url}/ops/api/me`, mint('RS256', rsa))).status).toBe(401);
  });
});

describe('console without a key', () => {
  it('refuses everything with 503 and serves nothing unauthenticated', async () => {
    const bare = await startReceiver({ TEMPORAL_TASK_QUEUE: taskQueue, OPS_JWT_SECRET: '' });
    try {
      const res = await call(`${bare.url}/ops/api/sagas`, token('operator'));
      expect(res).toMatchObject({ status: 503, json: { error: 'ops_auth_not_configured' } });
    } finally {
      await bare.close();
    }
  });
});

describe('console page', () => {
  it('is served with a strict CSP and no inline script', async () => {
    const res = await fetch(`${receiver.url}/ops/`);
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    const html = await res.text();
    expect(html).toContain('<script src="/ops/app.js" defer></script>');
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/\sstyle=|\son[a-z]+=/);
    expect((await fetch(`${receiver.url}/ops/app.js`)).headers.get('content-type')).toMatch(/javascript/);
  });

  it('redirects /ops to /ops/', async () => {
    const res = await fetch(`${receiver.url}/ops`, { redirect: 'manual' });
    expect(res.status).toBe(301);
    expect(res.headers.get('location')).toBe('/ops/');
  });

  it('answers API calls with no-store', async () => {
    const res = await call(`${api}/me`, token('viewer'));
    expect(res.headers.get('cache-control')).toBe('no-store');
  });
});
