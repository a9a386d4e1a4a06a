import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { DEV_SECRETS } from '../../src/dev-secrets';
import { SOURCE_DEFINITIONS, buildSources } from '../../sources';
import { DECLARED_KINDS, declaredSources } from '../../sources/engine/declared';

/** Derived from the registry: a source added with `npm run new-source` is checked as it is, and never breaks this file. */
const lines = readFileSync(resolve(__dirname, '..', '..', '.env.example'), 'utf8').split('\n');
const variables = [...new Set(SOURCE_DEFINITIONS.flatMap((d) => d.variables))];

describe('source configuration', () => {
  it('finds variables to check', () => expect(variables).toContain('SOURCES_CONFIG'));

  it.each(variables)('documents %s in .env.example, under a comment', (name) => {
    const at = lines.findIndex((l) => l.startsWith(`${name}=`));
    expect(at).toBeGreaterThan(0);
    let i = at - 1;
    while (i >= 0 && /^[A-Z0-9_]+=/.test(lines[i]!)) i--;
    expect(lines[i]?.startsWith('#')).toBe(true);
  });

  it('builds every code source, and the example config-only endpoints, from the dev secrets alone', () => {
    const codeSources = SOURCE_DEFINITIONS.map((d) => d.name).filter((name) => !(DECLARED_KINDS as readonly string[]).includes(name));
    const examples = declaredSources(DEV_SECRETS).map((e) => e.name);
    expect(examples.length).toBeGreaterThan(0);
    expect([...buildSources({ ...DEV_SECRETS }).keys()].sort()).toEqual([...codeSources, ...examples].sort());
  });
});
