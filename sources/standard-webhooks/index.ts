import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { z } from 'zod';
import type { RouteTable, SourceAdapter, SourceDefinition } from '../types';
import { contentTypesSchema, declaredSources, type DeclaredConfig, parseDeclared, resolveSecrets, routesSchema, secretFields } from '../engine/declared';
import { DEFAULT_TOLERANCE_SECONDS, signedHeaders, verifyHmac } from '../engine/hmac';
import { hmacSenderParts } from '../sender/hmac';
import { selectorSchema, unsignedSelectorProblem, type Selector } from '../engine/selector';
import { parseStandardWebhook } from './events';
import { checkSecrets, decodeSecret, standardWebhooksScheme } from './verify';
import { routeEvent } from '../engine/route';

const KIND = 'standard-webhooks';

const entrySchema = z.strictObject({
  kind: z.literal(KIND),
  ...secretFields,
  /** The spec's window is five minutes; widen only for a sender with a known clock problem. */
  toleranceSeconds: z.int().min(1).max(3600).default(DEFAULT_TOLERANCE_SECONDS),
  /** Where the event type is: the spec puts it in the body's `type`. */
  eventType: selectorSchema.prefault('body:type'),
  routes: routesSchema,
  contentTypes: contentTypesSchema.default(['application/json']),
}).superRefine((entry, ctx) => {
  // The type picks the route: it must come from signed bytes (the body, or webhook-id / webhook-timestamp).
  const problem = unsignedSelectorProblem(entry.eventType, signedHeaders(standardWebhooksScheme(entry.toleranceSeconds)));
  if (problem) ctx.addIssue({ code: 'custom', path: ['eventType'], message: problem });
});

export interface StandardWebhooksConfig extends DeclaredConfig {
  secrets: readonly string[];
  toleranceSeconds: number;
  eventType: Selector;
  routes: RouteTable;
  contentTypes: readonly string[];
}

const schemeOf = (config: StandardWebhooksConfig) => standardWebhooksScheme(config.toleranceSeconds);

export const standardWebhooks: SourceDefinition<StandardWebhooksConfig> = {
  name: KIND,
  variables: ['SOURCES_CONFIG'],
  configure(env) {
    return declaredSources(env)
      .filter((entry) => entry.kind === KIND)
      .map((entry) => {
        const { kind: _kind, secrets: inline, secretsEnv, ...rest } = parseDeclared(entrySchema, entry);
        const secrets = resolveSecrets({ secrets: inline, secretsEnv }, entry.name, env);
        checkSecrets(secrets, `${entry.name}.${secretsEnv ? `secretsEnv (${secretsEnv})` : 'secrets'}`);
        return { name: entry.name, secrets, ...rest, ...(entry.fixturesDir ? { fixturesDir: entry.fixturesDir } : {}) };
      });
  },
  create(config): SourceAdapter {
    const keys = config.secrets.map(decodeSecret);
    const scheme = standardWebhooksScheme(config.toleranceSeconds);
    return {
      name: config.name,
      contentTypes: config.contentTypes,
      routes: config.routes,
      verify: (delivery, now) => verifyHmac(delivery, scheme, keys, now),
      decide(delivery) {
        const { eventKey, eventType, event } = parseStandardWebhook(delivery, config.eventType);
        return routeEvent(config.routes, { eventKey, eventType, input: event });
      },
    };
  },
  sender: {
    fixturesDir: (config) => config.fixturesDir ?? join(__dirname, 'fixtures'),
    examples: () => [
      {
        label: 'declared in SOURCES_CONFIG',
        env: {
          SOURCES_CONFIG: JSON.stringify({
            'example-standard': {
              kind: KIND,
              secrets: [newSecret()],
              routes: { 'shipment.delivered': 'recordEventSaga', 'invoice.paid': 'recordEventSaga' },
            },
          }),
        },
      },
    ],
    // The event key is the message id header, so a new event is a new webhook-id.
    fresh: (message, _config, unique) => ({ ...message, headers: { ...message.headers, 'webhook-id': `msg_${unique}` } }),
    ...hmacSenderParts<StandardWebhooksConfig>(schemeOf, () => 'base64', decodeSecret),
    wrongKey: () => ({ key: newSecret(), reason: 'signature_mismatch' }),
  },
};

function newSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}
