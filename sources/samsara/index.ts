import { join } from 'node:path';
import { z } from 'zod';
import { env, parseEnv } from '../../core/env';
import type { SourceAdapter, SourceConfig, SourceDefinition } from '../types';
import { singleHeader } from '../engine/headers';
import { verifyHmac } from '../engine/hmac';
import { hmacReplayWindow, hmacTamperings, randomSecret } from '../sender/hmac';
import { editJson } from '../engine/json';
import { PING_EVENT_TYPE, SAMSARA_ROUTES, parseSamsaraEvent } from './events';
import { SAMSARA_TOLERANCE_SECONDS, samsaraScheme, signSamsara } from './verify';
import { routeEvent } from '../engine/route';

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

const schema = z.object({
  /** Comma-separated base64 secrets; several during a rotation. */
  SAMSARA_WEBHOOK_SECRETS: env
    .list()
    .refine((list) => list.every((s) => BASE64.test(s)), 'every secret must be base64, as Samsara shows it'),
  SAMSARA_TOLERANCE_SECONDS: env.int(SAMSARA_TOLERANCE_SECONDS, 1, 3600),
});

export interface SamsaraConfig extends SourceConfig {
  secrets: readonly string[];
  toleranceSeconds: number;
}

export const samsara: SourceDefinition<SamsaraConfig> = {
  name: 'samsara',
  variables: Object.keys(schema.shape),
  configure(e) {
    const parsed = parseEnv(schema, e);
    return [{ name: 'samsara', secrets: parsed.SAMSARA_WEBHOOK_SECRETS, toleranceSeconds: parsed.SAMSARA_TOLERANCE_SECONDS }];
  },
  create(config): SourceAdapter {
    // Samsara keys the HMAC with the base64-decoded secret.
    const keys = config.secrets.map((s) => Buffer.from(s, 'base64'));
    const scheme = samsaraScheme(config.toleranceSeconds);
    return {
      name: config.name,
      contentTypes: ['application/json'],
      routes: SAMSARA_ROUTES,
      verify: (delivery, now) => verifyHmac(delivery, scheme, keys, now),
      decide(delivery) {
        const event = parseSamsaraEvent(delivery.rawBody);
        if (event.eventType === PING_EVENT_TYPE) {
          return { action: 'respond', status: 200, body: { ok: true }, eventType: PING_EVENT_TYPE };
        }
        const deliveryId = singleHeader(delivery, 'x-samsara-request');
        return routeEvent(SAMSARA_ROUTES, { eventKey: event.eventId, eventType: event.eventType, input: event, ...(deliveryId ? { deliveryId } : {}) });
      },
    };
  },
  sender: {
    fixturesDir: () => join(__dirname, 'fixtures'),
    examples: () => [{ label: 'webhooks 2.0', env: { SAMSARA_WEBHOOK_SECRETS: randomSecret('base64') } }],
    sign(message, config, options) {
      const secret = options.key ?? config.secrets[0];
      if (!secret) throw new Error('samsara has no secret configured: pass one to sign with');
      const headers = { ...message.headers, ...signSamsara(message.body, secret, Math.floor(options.now.getTime() / 1000)) };
      return { ...message, headers: options.deliveryId ? { ...headers, 'x-samsara-request': options.deliveryId } : headers };
    },
    fresh: (message, _config, unique) => ({ ...message, body: editJson(message.body, (body) => (body.eventId = unique)) }),
    wrongKey: () => ({ key: randomSecret('base64'), reason: 'signature_mismatch' }),
    tamperings: (config) => hmacTamperings(samsaraScheme(config.toleranceSeconds)),
    replayWindow: (config) => hmacReplayWindow(samsaraScheme(config.toleranceSeconds)),
  },
};
