import { z } from 'zod';
import { ConfigError, env, parseEnv } from '../../core/env';
import { JWT_ALGORITHMS, type JwtAlgorithm } from '../../core/jwt';

/**
 * The on-call console's settings (OPS_* variables, see .env.example). Without a key the console's API
 * refuses every request: it fails closed rather than opening an unauthenticated replay button.
 */

/** Shorter HS256 secrets can be brute-forced offline from any token that leaks. */
export const MIN_HS256_SECRET_LENGTH = 32;

const schema = z.object({
  OPS_JWT_ALGORITHM: z.enum(JWT_ALGORITHMS).default('HS256'),
  OPS_JWT_SECRET: z.string().optional(),
  OPS_JWT_PUBLIC_KEY: z.string().optional(),
  OPS_JWT_ISSUER: z.string().default('webhook-sagas'),
  OPS_JWT_AUDIENCE: z.string().default('webhook-sagas-ops'),
  OPS_REPLAY_CONCURRENCY: env.int(4, 1, 50),
  OPS_REPLAY_MAX: env.int(1000, 1, 10_000),
  /** The audit stream's full key; unset, `<REDIS_KEY_PREFIX>ops:audit` (src/intake/redis.ts). */
  OPS_AUDIT_STREAM: z.string().optional(),
});

/** Every variable the console reads (each is documented in .env.example). */
export const OPS_CONFIG_VARIABLES = Object.keys(schema.shape);

export interface OpsJwtConfig {
  algorithm: JwtAlgorithm;
  /** HS256: the shared secret; RS256/ES256: the PEM public key. Undefined: console disabled. */
  key?: string;
  issuer: string;
  audience: string;
}

export interface OpsConfig {
  jwt: OpsJwtConfig;
  replay: { concurrency: number; maxBulk: number };
  /** Undefined: the stream under the deployment's key prefix. */
  auditStream?: string;
}

export function opsConfigFromEnv(source: NodeJS.ProcessEnv): OpsConfig {
  const e = parseEnv(schema, source);
  let key: string | undefined;
  if (e.OPS_JWT_ALGORITHM === 'HS256') {
    if (e.OPS_JWT_PUBLIC_KEY) throw new ConfigError('OPS_JWT_PUBLIC_KEY is set but OPS_JWT_ALGORITHM is HS256: set OPS_JWT_ALGORITHM=RS256 or ES256');
    key = e.OPS_JWT_SECRET;
    if (key && key.length < MIN_HS256_SECRET_LENGTH) {
      throw new ConfigError(`OPS_JWT_SECRET must be at least ${MIN_HS256_SECRET_LENGTH} characters`);
    }
  } else {
    if (e.OPS_JWT_SECRET) throw new ConfigError(`OPS_JWT_SECRET is set but OPS_JWT_ALGORITHM is ${e.OPS_JWT_ALGORITHM}: set OPS_JWT_PUBLIC_KEY instead`);
    // A PEM in one env line usually arrives with literal \n.
    key = e.OPS_JWT_PUBLIC_KEY?.replace(/\\n/g, '\n');
    if (key && !key.includes('-----BEGIN PUBLIC KEY-----')) throw new ConfigError('OPS_JWT_PUBLIC_KEY must be a PEM public key (-----BEGIN PUBLIC KEY-----)');
  }
  return {
    jwt: {
      algorithm: e.OPS_JWT_ALGORITHM,
      key,
      issuer: e.OPS_JWT_ISSUER,
      audience: e.OPS_JWT_AUDIENCE,
    },
    replay: { concurrency: e.OPS_REPLAY_CONCURRENCY, maxBulk: e.OPS_REPLAY_MAX },
    ...(e.OPS_AUDIT_STREAM ? { auditStream: e.OPS_AUDIT_STREAM } : {}),
  };
}
