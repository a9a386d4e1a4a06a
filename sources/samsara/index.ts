import { z } from 'zod';
import { env, parseEnv } from '../../src/env';
import type { SourceAdapter, SourceDefinition } from '../types';
import { PING_EVENT_TYPE, SAMSARA_ROUTES, parseSamsaraEvent } from './events';
import { SAMSARA_TOLERANCE_SECONDS, verifySamsara } from './verify';
import { singleHeader } from '../kit/headers';

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

const schema = z.object({
  /** Comma-separated base64 secrets; several during a rotation. */
  SAMSARA_WEBHOOK_SECRETS: env
    .list()
    .refine((list) => list.every((s) => BASE64.test(s)), 'every secret must be base64, as Samsara shows it'),
  SAMSARA_TOLERANCE_SECONDS: env.int(SAMSARA_TOLERANCE_SECONDS, 1, 3600),
});

export interface SamsaraConfig {
  name: string;
  secrets: readonly string[];
  toleranceSeconds: number;
}

export const samsara: SourceDefinition<SamsaraConfig> = {
  name: 'samsara',
  configFromEnv(e) {
    const parsed = parseEnv(schema, e);
    return { name: 'samsara', secrets: parsed.SAMSARA_WEBHOOK_SECRETS, toleranceSeconds: parsed.SAMSARA_TOLERANCE_SECONDS };
  },
  create(config): SourceAdapter {
    const options = {
      secrets: config.secrets.map((s) => Buffer.from(s, 'base64')),
      toleranceSeconds: config.toleranceSeconds,
    };
    return {
      name: config.name,
      contentTypes: ['application/json'],
      verify: (delivery, now) => verifySamsara(delivery, options, now),
      decide(delivery) {
        const event = parseSamsaraEvent(delivery.rawBody);
        if (event.eventType === PING_EVENT_TYPE) {
          return { action: 'respond', status: 200, body: { ok: true }, eventType: PING_EVENT_TYPE };
        }
        const saga = SAMSARA_ROUTES[event.eventType];
        if (!saga) return { action: 'ignore', eventType: event.eventType, eventKey: event.eventId, reason: 'no saga for this event type' };
        const deliveryId = singleHeader(delivery, 'x-samsara-request');
        return {
          action: 'start',
          eventKey: event.eventId,
          eventType: event.eventType,
          saga,
          input: event,
          ...(deliveryId ? { deliveryId } : {}),
        };
      },
    };
  },
};
