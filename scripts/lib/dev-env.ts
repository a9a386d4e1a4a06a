import { DEV_SECRETS } from '../../src/dev-secrets';

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
