import { join } from 'node:path';
import { ConfigError } from '../core/env';

/**
 * Secrets for the local main job and the sender CLI only. They are public (they live in this
 * repository), so a production process refuses to start with any of them.
 */
export const DEV_SECRETS: Readonly<Record<string, string>> = {
  SAMSARA_WEBHOOK_SECRETS: Buffer.from('dev-samsara-webhook-secret').toString('base64'),
  FRONTAPP_WEBHOOK_SECRETS: 'dev-frontapp-app-signing-secret',
  TURVO_WEBHOOK_SECRETS: 'dev-turvo-webhook-token',
  // The example config-only endpoints (example-standard, example-hmac, example-stripe) and their secrets; the file's
  // path counts as a dev value too, so production refuses to start with these example endpoints.
  SOURCES_CONFIG: join(__dirname, '..', 'sources', 'dev-sources.json'),
  EXAMPLE_STANDARD_WEBHOOK_SECRETS: `whsec_${Buffer.from('dev-standard-webhooks-secret').toString('base64')}`,
  EXAMPLE_HMAC_WEBHOOK_SECRETS: 'dev-example-hmac-secret',
  EXAMPLE_STRIPE_WEBHOOK_SECRETS: 'whsec_dev-example-stripe-secret',
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
