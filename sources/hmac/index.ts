import { join } from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../../core/env';
import type { RouteTable, SourceAdapter, SourceDefinition } from '../types';
import { contentTypesSchema, declaredSources, type DeclaredConfig, parseDeclared, resolveSecrets, routesSchema, secretFields } from '../engine/declared';
import { decodeKey, secretProblem, signedHeaders, verifyHmac } from '../engine/hmac';
import { hmacSenderParts, randomSecret } from '../sender/hmac';
import { selectorSchema, unsignedSelectorProblem, withSelected, type Selector } from '../engine/selector';
import { parseHmacEvent } from './events';
import { checkTemplate, schemeFields, schemeOf, type HmacSchemeConfig } from './verify';
import { routeEvent } from '../engine/route';

const KIND = 'hmac';

const entrySchema = z
  .strictObject({
    kind: z.literal(KIND),
    ...secretFields,
    ...schemeFields,
    /** Where the event's own id is (stable across the sender's retries): the workflow ID comes from it. */
    eventKey: selectorSchema,
    eventType: selectorSchema,
    routes: routesSchema,
    contentTypes: contentTypesSchema.default(['application/json']),
  })
  .superRefine(checkTemplate)
  .superRefine((entry, ctx) => {
    // The key and the type decide which saga starts, and whether: both must come from signed bytes.
    const signed = signedHeaders(schemeOf(entry));
    for (const field of ['eventKey', 'eventType'] as const) {
      const problem = unsignedSelectorProblem(entry[field], signed);
      if (problem) ctx.addIssue({ code: 'custom', path: [field], message: problem });
    }
  });

export interface HmacSourceConfig extends DeclaredConfig, HmacSchemeConfig {
  secrets: readonly string[];
  eventKey: Selector;
  eventType: Selector;
  routes: RouteTable;
  contentTypes: readonly string[];
}

export const hmacSource: SourceDefinition<HmacSourceConfig> = {
  name: KIND,
  variables: ['SOURCES_CONFIG'],
  configure(env) {
    return declaredSources(env)
      .filter((entry) => entry.kind === KIND)
      .map((entry) => {
        const { kind: _kind, secrets: inline, secretsEnv, ...rest } = parseDeclared(entrySchema, entry);
        const secrets = resolveSecrets({ secrets: inline, secretsEnv }, entry.name, env);
        secrets.forEach((secret, i) => {
          const problem = secretProblem(secret, rest.keyEncoding);
          if (problem) throw new ConfigError(`SOURCES_CONFIG ${entry.name}.${secretsEnv ? `secretsEnv (${secretsEnv})` : 'secrets'}[${i}]: ${problem}`);
        });
        return { name: entry.name, secrets, ...rest, ...(entry.fixturesDir ? { fixturesDir: entry.fixturesDir } : {}) };
      });
  },
  create(config): SourceAdapter {
    const scheme = schemeOf(config);
    const keys = config.secrets.map((s) => decodeKey(s, config.keyEncoding));
    return {
      name: config.name,
      contentTypes: config.contentTypes,
      routes: config.routes,
      verify: (delivery, now) => verifyHmac(delivery, scheme, keys, now),
      decide(delivery) {
        const { eventKey, eventType, event } = parseHmacEvent(delivery, config.eventKey, config.eventType);
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
            'example-hmac': {
              kind: KIND,
              secrets: [randomSecret('utf8')],
              signature: { header: 'x-yard-signature', encoding: 'hex', prefix: 'sha256=' },
              signedString: '{timestamp}.{body}',
              timestamp: { header: 'x-yard-timestamp' },
              eventKey: 'body:id',
              eventType: 'body:type',
              routes: { 'appointment.checked_in': 'recordEventSaga', 'appointment.departed': 'recordEventSaga' },
            },
          }),
        },
      },
    ],
    fresh: (message, config, unique) => withSelected(message, config.eventKey, `evt_${unique}`),
    ...hmacSenderParts<HmacSourceConfig>(schemeOf, (config) => config.keyEncoding),
  },
};
