import { ConfigError } from './env';

/**
 * Secrets for the local main job and the sender CLI only. They are public (they live in this
 * repository), so a production process refuses to start with any of them.
 */
export const DEV_SECRETS: Readonly<Record<string, string>> = {
  SAMSARA_WEBHOOK_SECRETS: Buffer.from('dev-samsara-webhook-secret').toString('base64'),
  // Signs and checks on-call console tokens locally (npm run token).
  OPS_JWT_SECRET: 'dev-ops-console-jwt-secret-not-for-production',
};

export function assertNoDevSecrets(env: NodeJS.ProcessEnv): void {
  if (env.NODE_ENV !== 'production') return;
  const devValues = new Set(Object.values(DEV_SECRETS).flatMap((v) => v.split(',')));
  for (const [name, value] of Object.entries(env)) {
    if (value && value.split(',').some((v) => devValues.has(v.trim()))) {
      throw new ConfigError(`${name} holds a development secret from this repository; set a real one for production`);
    }
  }
}
