import type { AnySourceDefinition, SourceAdapter, SourceConfig, SourceDefinition } from './types';
import { ConfigError } from '../core/env';
import { isSagaName, unknownSagaProblem } from '../core/saga/registry';
import { DECLARED_KINDS } from './engine/declared';
import { frontapp } from './frontapp';
import { genericSource } from './generic';
import { hmacSource } from './hmac';
import { samsara } from './samsara';
import { standardWebhooks } from './standard-webhooks';
import { turvo } from './turvo';
// new-source: imports above this line

/**
 * The registry: every kind of source the receiver knows. Adding a source is one folder in sources/
 * and one line here (`npm run new-source -- <name>` does both). Config-only sources (Standard
 * Webhooks, HMAC, the generic kind and its vendor presets) need no line: they are declared in SOURCES_CONFIG.
 */
export const SOURCE_DEFINITIONS: readonly AnySourceDefinition[] = [
  samsara,
  frontapp,
  turvo,
  standardWebhooks,
  hmacSource,
  genericSource,
  // new-source: entries above this line
];

/** One configured endpoint with the definition and config it was built from (the sender CLI and contract suite sign with them). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- an instance of any kind: see AnySourceDefinition
export interface SourceInstance<C extends SourceConfig = any> {
  readonly definition: SourceDefinition<C>;
  readonly config: C;
  readonly adapter: SourceAdapter;
}

/** Every configured endpoint. Throws at start-up on bad configuration, naming the variable or field. */
export function buildSourceInstances(env: NodeJS.ProcessEnv = process.env): SourceInstance[] {
  const instances: SourceInstance[] = [];
  const names = new Set<string>();
  for (const definition of SOURCE_DEFINITIONS) {
    for (const config of definition.configure(env)) {
      if (names.has(config.name)) throw new ConfigError(`two sources are named "${config.name}" (SOURCES_CONFIG may not reuse a built-in name)`);
      names.add(config.name);
      const adapter = definition.create(config);
      checkRoutes(adapter, (DECLARED_KINDS as readonly string[]).includes(definition.name) ? `SOURCES_CONFIG ${adapter.name}` : `source ${adapter.name}`);
      instances.push({ definition, config, adapter });
    }
  }
  return instances;
}

/**
 * A route must name sagas the worker registers, or every delivery of that type would start a
 * workflow no worker can run, at least one and none twice (it would run twice for one event).
 * Declared sources are checked as they are parsed; this also catches a code source whose table
 * escaped the type-check.
 */
function checkRoutes(adapter: SourceAdapter, label: string): void {
  for (const [eventType, sagas] of adapter.routes ?? []) {
    const unknown = sagas.find((saga) => !isSagaName(saga));
    const problem = unknown !== undefined ? unknownSagaProblem(unknown) : sagas.length === 0 ? 'at least one saga' : new Set(sagas).size < sagas.length ? 'names a saga twice' : undefined;
    if (problem) throw new ConfigError(`${label}.routes.${eventType}: ${problem}`);
  }
}

/** Builds every configured endpoint, by name, for the receiver. */
export function buildSources(env: NodeJS.ProcessEnv = process.env): Map<string, SourceAdapter> {
  return new Map(buildSourceInstances(env).map((i) => [i.adapter.name, i.adapter]));
}
