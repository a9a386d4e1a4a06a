import type { SourceAdapter, SourceDefinition } from './types';
import { samsara } from './samsara';

/**
 * The registry: every kind of source the receiver knows. Adding a source is one folder in sources/
 * and one line here (`npm run new-source -- <name>` does both).
 */
export const SOURCE_DEFINITIONS: readonly SourceDefinition<any>[] = [
  samsara,
];

/** Builds every registered source from the environment. Throws at start-up on bad configuration. */
export function buildSources(env: NodeJS.ProcessEnv = process.env): Map<string, SourceAdapter> {
  const sources = new Map<string, SourceAdapter>();
  for (const definition of SOURCE_DEFINITIONS) {
    const adapter = definition.create(definition.configFromEnv(env));
    if (sources.has(adapter.name)) throw new Error(`two sources are named "${adapter.name}"`);
    sources.set(adapter.name, adapter);
  }
  return sources;
}
