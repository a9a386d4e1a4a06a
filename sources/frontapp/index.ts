import { join } from 'node:path';
import { z } from 'zod';
import { env, parseEnv } from '../../core/env';
import type { SourceAdapter, SourceConfig, SourceDefinition } from '../types';
import { singleHeader } from '../engine/headers';
import { verifyHmac } from '../engine/hmac';
import { hmacSenderParts, randomSecret } from '../sender/hmac';
import { editJson, type JsonObject } from '../engine/json';
import { FRONT_ROUTES, SYNC_TYPE, answerChallenge, parseFrontEvent } from './events';
import { FRONT_TOLERANCE_SECONDS, frontKey, frontScheme, type FrontMode } from './verify';
import { routeEvent } from '../engine/route';

const schema = z.object({
  /** app (application webhooks, the default) or rule (legacy rule webhooks): how this endpoint was set up in Front. */
  FRONTAPP_WEBHOOK_MODE: z.enum(['app', 'rule']).default('app'),
  /** Comma-separated: the app's signing secret (app) or the API secret (rule); several during a rotation. */
  FRONTAPP_WEBHOOK_SECRETS: env.list(),
  FRONTAPP_TOLERANCE_SECONDS: env.int(FRONT_TOLERANCE_SECONDS, 1, 3600),
});

export interface FrontConfig extends SourceConfig {
  mode: FrontMode;
  secrets: readonly string[];
  toleranceSeconds: number;
}

const schemeOf = (config: FrontConfig) => frontScheme(config.mode, config.toleranceSeconds);

export const frontapp: SourceDefinition<FrontConfig> = {
  name: 'frontapp',
  variables: Object.keys(schema.shape),
  configure(e) {
    const parsed = parseEnv(schema, e);
    return [
      { name: 'frontapp', mode: parsed.FRONTAPP_WEBHOOK_MODE, secrets: parsed.FRONTAPP_WEBHOOK_SECRETS, toleranceSeconds: parsed.FRONTAPP_TOLERANCE_SECONDS },
    ];
  },
  create(config): SourceAdapter {
    const scheme = schemeOf(config);
    const keys = config.secrets.map(frontKey);
    return {
      name: config.name,
      contentTypes: ['application/json'],
      routes: FRONT_ROUTES,
      verify: (delivery, now) => verifyHmac(delivery, scheme, keys, now),
      decide(delivery) {
        // Rule webhooks have no handshake: there a challenge header is just an unsigned extra header.
        const challenge = config.mode === 'app' ? singleHeader(delivery, 'x-front-challenge') : undefined;
        if (challenge) return answerChallenge(challenge, headerText(delivery.headers.accept));
        const event = parseFrontEvent(delivery.rawBody, config.mode);
        if (!('id' in event)) return { action: 'ignore', eventType: SYNC_TYPE, reason: 'validation request without a challenge' };
        return routeEvent(FRONT_ROUTES, { eventKey: event.id, eventType: event.type, input: event });
      },
    };
  },
  sender: {
    fixturesDir: (config) => join(__dirname, 'fixtures', config.mode),
    examples: () => [
      { label: 'application webhooks', env: { FRONTAPP_WEBHOOK_MODE: 'app', FRONTAPP_WEBHOOK_SECRETS: randomSecret('utf8') } },
      { label: 'rule webhooks', env: { FRONTAPP_WEBHOOK_MODE: 'rule', FRONTAPP_WEBHOOK_SECRETS: randomSecret('utf8') } },
    ],
    fresh: (message, config, unique) => ({
      ...message,
      body: editJson(message.body, (body) => {
        const event = config.mode === 'app' ? body.payload : body;
        if (typeof event === 'object' && event !== null) (event as JsonObject).id = `evt_${unique}`;
      }),
    }),
    ...hmacSenderParts<FrontConfig>(schemeOf, () => 'utf8'),
  },
};

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(',') : value;
}
