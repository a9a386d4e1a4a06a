import { createPublicKey } from 'node:crypto';
import { join } from 'node:path';
import { z } from 'zod';
import { ConfigError, env, parseEnv } from '../../core/env';
import { JWT_ALGORITHMS, type JwtAlgorithm } from '../../core/jwt';
import { hmac } from '../../core/crypto';
import type { ContractExample, OutgoingDelivery, SourceAdapter, SourceConfig, SourceDefinition, Tampering } from '../types';
import { keyPair as asymmetricKeyPair } from '../sender/asymmetric';
import { randomToken, tokenTamperings } from '../sender/credentials';
import { hmacTamperings } from '../sender/hmac';
import { editJson, type JsonObject } from '../engine/json';
import { dropHeader, flipFirstChar, replaceDelivery, setHeader } from '../sender/tamper';
import { TURVO_ROUTES, parseTurvoEvent, turvoEventKey } from './events';
import { JWT_LIFETIME_SECONDS, signTurvo, signTurvoJwt, tokenLocation, turvoHmacScheme, turvoVerifier, type TurvoAuth } from './verify';
import { routeEvent } from '../engine/route';

const headerName = z
  .string()
  .regex(/^[A-Za-z0-9-]+$/, 'a header name')
  .transform((h) => h.toLowerCase());

const schema = z.object({
  /** bearer (default) | header | query | jwt | hmac: the auth type chosen in Turvo's webhook profile. */
  TURVO_AUTH_MODE: z.enum(['bearer', 'header', 'query', 'jwt', 'hmac']).default('bearer'),
  /** Comma-separated tokens (bearer/header/query), HS256 secrets (jwt) or HMAC secrets (hmac); several during a rotation. */
  TURVO_WEBHOOK_SECRETS: env.list(),
  TURVO_TOKEN_HEADER: headerName.default('x-turvo-token'),
  TURVO_TOKEN_QUERY_PARAM: z.string().regex(/^[A-Za-z0-9_-]+$/).default('token'),
  TURVO_JWT_ALGORITHM: z.enum(JWT_ALGORITHMS).default('HS256'),
  /** PEM public keys for RS256/ES256 (several during a rotation); `\n` escapes are accepted. */
  TURVO_JWT_PUBLIC_KEYS: z.string().default(''),
  TURVO_JWT_ISSUER: z.string().optional(),
  TURVO_JWT_AUDIENCE: z.string().optional(),
  TURVO_JWT_CLOCK_TOLERANCE_SECONDS: env.int(30, 0, 300),
  TURVO_HMAC_HEADER: headerName.default('x-turvo-signature'),
  TURVO_HMAC_ENCODING: z.enum(['hex', 'base64']).default('hex'),
});

export interface TurvoConfig extends SourceConfig, TurvoAuth {}

const PEM = /-----BEGIN PUBLIC KEY-----[\s\S]+?-----END PUBLIC KEY-----/g;

/** Public keys from the variable, each checked to be of the algorithm's type (RSA for RS256, P-256 for ES256). */
function publicKeys(text: string, algorithm: JwtAlgorithm): string[] {
  if (algorithm === 'HS256') return [];
  const pems = text.replace(/\\n/g, '\n').match(PEM) ?? [];
  pems.forEach((pem, i) => {
    let ok = false;
    try {
      const key = createPublicKey(pem);
      ok = algorithm === 'RS256' ? key.asymmetricKeyType === 'rsa' : key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1';
    } catch {
      ok = false;
    }
    if (!ok) throw new ConfigError(`TURVO_JWT_PUBLIC_KEYS: key ${i + 1} is not a ${algorithm === 'RS256' ? 'RSA' : 'P-256 EC'} public key`);
  });
  return pems;
}

export const turvo: SourceDefinition<TurvoConfig> = {
  name: 'turvo',
  variables: Object.keys(schema.shape),
  configure(e) {
    const p = parseEnv(schema, e);
    if (p.TURVO_AUTH_MODE === 'jwt' && (!p.TURVO_JWT_ISSUER || !p.TURVO_JWT_AUDIENCE)) {
      throw new ConfigError('TURVO_JWT_ISSUER and TURVO_JWT_AUDIENCE: required when TURVO_AUTH_MODE=jwt (both are checked on every token)');
    }
    return [
      {
        name: 'turvo',
        mode: p.TURVO_AUTH_MODE,
        secrets: p.TURVO_WEBHOOK_SECRETS,
        publicKeys: publicKeys(p.TURVO_JWT_PUBLIC_KEYS, p.TURVO_JWT_ALGORITHM),
        tokenHeader: p.TURVO_TOKEN_HEADER,
        tokenQueryParam: p.TURVO_TOKEN_QUERY_PARAM,
        jwt: {
          algorithm: p.TURVO_JWT_ALGORITHM,
          issuer: p.TURVO_JWT_ISSUER ?? '',
          audience: p.TURVO_JWT_AUDIENCE ?? '',
          clockToleranceSeconds: p.TURVO_JWT_CLOCK_TOLERANCE_SECONDS,
        },
        hmac: { header: p.TURVO_HMAC_HEADER, encoding: p.TURVO_HMAC_ENCODING },
      },
    ];
  },
  create(config): SourceAdapter {
    const verify = turvoVerifier(config);
    return {
      name: config.name,
      contentTypes: ['application/json'],
      routes: TURVO_ROUTES,
      // A JWT or a static token is a credential; an HMAC signature is not.
      credentials: config.mode === 'hmac' ? [] : [config.mode === 'jwt' ? { header: 'authorization' } : tokenLocation(config)],
      verify,
      decide(delivery) {
        const event = parseTurvoEvent(delivery.rawBody);
        const eventKey = turvoEventKey(event, delivery.rawBody);
        return routeEvent(TURVO_ROUTES, { eventKey, eventType: event.eventName, input: event });
      },
    };
  },
  sender: {
    fixturesDir: () => join(__dirname, 'fixtures'),
    examples,
    sign(message, config, options) {
      const key = options.key ?? (config.mode === 'jwt' && config.jwt.algorithm !== 'HS256' ? undefined : config.secrets[0]);
      if (!key) throw new Error('turvo: no signing key: pass a token/secret, or the private key for RS256/ES256');
      return signTurvo(message, config, key, options.now);
    },
    // A new update of the same entity: a new update time (distinct even within one millisecond).
    fresh: (message) => ({
      ...message,
      body: editJson(message.body, (body) => {
        const payload = body.eventPayload;
        if (typeof payload === 'object' && payload !== null) (payload as JsonObject).lastUpdatedOn = freshTime();
      }),
    }),
    wrongKey(config) {
      if (config.mode === 'jwt') return { key: config.jwt.algorithm === 'HS256' ? token() : keyPair(config.jwt.algorithm).privateKey, reason: 'invalid_token' };
      return { key: token(), reason: config.mode === 'hmac' ? 'signature_mismatch' : 'token_mismatch' };
    },
    tamperings,
    replayWindow(config) {
      if (config.mode !== 'jwt') return undefined;
      const tolerance = config.jwt.clockToleranceSeconds;
      return { staleAfterSeconds: JWT_LIFETIME_SECONDS + tolerance, futureAfterSeconds: tolerance, staleReason: 'token_expired', futureReason: 'token_not_yet_valid' };
    },
  },
};

let lastFresh = 0;
function freshTime(): string {
  lastFresh = Math.max(Date.now(), lastFresh + 1);
  return new Date(lastFresh).toISOString();
}

const token = randomToken;

function keyPair(algorithm: Exclude<JwtAlgorithm, 'HS256'>): { publicKey: string; privateKey: string } {
  return asymmetricKeyPair(algorithm === 'RS256' ? 'rsa-sha256' : 'ecdsa-p256');
}

const JWT_ENV = { TURVO_AUTH_MODE: 'jwt', TURVO_JWT_ISSUER: 'https://app.turvo.com', TURVO_JWT_AUDIENCE: 'webhook-sagas' };

/** One configuration per auth mode; asymmetric keys are generated here, at test time, never committed. */
function examples(): ContractExample[] {
  const rsa = keyPair('RS256');
  const ec = keyPair('ES256');
  return [
    { label: 'bearer token', env: { TURVO_AUTH_MODE: 'bearer', TURVO_WEBHOOK_SECRETS: token() } },
    { label: 'token in a named header', env: { TURVO_AUTH_MODE: 'header', TURVO_TOKEN_HEADER: 'X-Turvo-Webhook-Token', TURVO_WEBHOOK_SECRETS: token() } },
    { label: 'token in a query parameter', env: { TURVO_AUTH_MODE: 'query', TURVO_TOKEN_QUERY_PARAM: 'auth', TURVO_WEBHOOK_SECRETS: token() } },
    { label: 'JWT HS256', env: { ...JWT_ENV, TURVO_JWT_ALGORITHM: 'HS256', TURVO_WEBHOOK_SECRETS: token() } },
    { label: 'JWT RS256', env: { ...JWT_ENV, TURVO_JWT_ALGORITHM: 'RS256', TURVO_JWT_PUBLIC_KEYS: rsa.publicKey }, signingKey: rsa.privateKey },
    { label: 'JWT ES256', env: { ...JWT_ENV, TURVO_JWT_ALGORITHM: 'ES256', TURVO_JWT_PUBLIC_KEYS: ec.publicKey }, signingKey: ec.privateKey },
    { label: 'HMAC-SHA256 body', env: { TURVO_AUTH_MODE: 'hmac', TURVO_HMAC_HEADER: 'X-Turvo-Signature', TURVO_HMAC_ENCODING: 'base64', TURVO_WEBHOOK_SECRETS: token() } },
  ];
}

const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
const withBearer = (d: OutgoingDelivery, jwtText: string): OutgoingDelivery => ({ ...d, headers: { ...d.headers, authorization: `Bearer ${jwtText}` } });

function tamperings(config: TurvoConfig, signed: { key: string; now: Date }): Tampering[] {
  if (config.mode === 'hmac') return hmacTamperings(turvoHmacScheme(config));
  if (config.mode !== 'jwt') return tokenTamperings(tokenLocation(config));
  const common = [dropHeader('authorization', 'missing_token'), setHeader('authorization', (v) => v.replace(/^Bearer /, 'Basic '), 'not a bearer credential', 'malformed_token')];

  // JWT: forged claims, stripped signatures and algorithm games, each re-signed where a real attacker could.
  const mint = (claims: Record<string, unknown>) => signTurvoJwt(signed.key, config.jwt, signed.now, claims);
  const [header, payload] = mint({}).split('.') as [string, string];
  const iat = Math.floor(signed.now.getTime() / 1000);
  const forgedClaims = base64url({ iss: config.jwt.issuer, aud: config.jwt.audience, iat, exp: iat + 86_400 });
  const parts = (d: OutgoingDelivery) => d.headers.authorization!.slice('Bearer '.length).split('.') as [string, string, string];
  const list: Tampering[] = [
    ...common,
    replaceDelivery('token claims edited (signature kept)', 'invalid_token', (d) => withBearer(d, `${header}.${forgedClaims}.${parts(d)[2]}`)),
    replaceDelivery('token signature altered', 'invalid_token', (d) => {
      const [h, p, sig] = parts(d);
      return withBearer(d, `${h}.${p}.${flipFirstChar(sig, 'base64url')}`);
    }),
    replaceDelivery('unsigned token (alg none)', 'algorithm_not_allowed', (d) => withBearer(d, `${base64url({ alg: 'none', typ: 'JWT' })}.${payload}.`)),
    replaceDelivery('not a JWT', 'malformed_token', (d) => withBearer(d, 'not-a-jwt')),
    replaceDelivery('another issuer', 'wrong_issuer', (d) => withBearer(d, mint({ iss: 'https://attacker.test' }))),
    replaceDelivery('another audience', 'wrong_audience', (d) => withBearer(d, mint({ aud: 'another-service' }))),
    replaceDelivery('no expiry', 'missing_expiry', (d) => withBearer(d, mint({ exp: undefined }))),
  ];
  const publicKey = config.publicKeys[0];
  if (config.jwt.algorithm !== 'HS256' && publicKey) {
    // Algorithm confusion: HS256 keyed with our own public key, which anyone can read.
    const unsigned = `${base64url({ alg: 'HS256', typ: 'JWT' })}.${payload}`;
    const confused = `${unsigned}.${hmac('sha256', publicKey, unsigned).toString('base64url')}`;
    list.push(replaceDelivery('HS256 token keyed with the public key', 'algorithm_not_allowed', (d) => withBearer(d, confused)));
  }
  return list;
}
