import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEV_SECRETS } from '../../src/dev-secrets';
import { newPayloadKey } from '../../src/temporal/codec';
import { DATA_DIR } from './stack';

/**
 * Settings for the local main job only (npm run dev) and the sender CLI. The secrets are public on
 * purpose: they sign sample deliveries to a receiver on your own machine, and production refuses to
 * start with them (src/dev-secrets.ts). Real values go in .env or the deployment's secret store.
 */
export const DEV_DEFAULTS: Readonly<Record<string, string>> = {
  NODE_ENV: 'development',
  ...DEV_SECRETS,
};

/** Loads .env (if any), then fills in what is still unset from the dev defaults. */
export function loadDevEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  try {
    process.loadEnvFile('.env');
  } catch {
    /* no .env: defaults only */
  }
  for (const [key, value] of Object.entries(DEV_DEFAULTS)) if (!env[key]) env[key] = value;
  return env;
}

/**
 * The local main job's payload encryption key (src/temporal/codec.ts): generated once into
 * .data/payload-key (never committed, so unlike the dev secrets it is not public), kept so the local
 * history stays readable across restarts. A PAYLOAD_ENCRYPTION_KEYS of your own (.env) wins.
 */
export function ensureDevPayloadKey(env: NodeJS.ProcessEnv): void {
  if (env.PAYLOAD_ENCRYPTION_KEYS) return;
  const file = join(DATA_DIR, 'payload-key');
  if (!existsSync(file)) {
    mkdirSync(DATA_DIR, { recursive: true });
    writeFileSync(file, `${newPayloadKey('dev-1')}\n`, { mode: 0o600 });
  }
  env.PAYLOAD_ENCRYPTION_KEYS = readFileSync(file, 'utf8').trim();
}
