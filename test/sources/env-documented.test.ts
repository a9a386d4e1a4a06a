import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { FRONTAPP_VARIABLES } from '../../sources/frontapp';
import { SAMSARA_VARIABLES } from '../../sources/samsara';
import { TURVO_VARIABLES } from '../../sources/turvo';
import { DEV_SECRETS } from '../../src/dev-secrets';
import { buildSources } from '../../sources';

const lines = readFileSync(resolve(__dirname, '..', '..', '.env.example'), 'utf8').split('\n');

describe('source configuration', () => {
  it.each([...SAMSARA_VARIABLES, ...FRONTAPP_VARIABLES, ...TURVO_VARIABLES, 'SOURCES_CONFIG'])('documents %s in .env.example, under a comment', (name) => {
    const at = lines.findIndex((l) => l.startsWith(`${name}=`));
    expect(at).toBeGreaterThan(0);
    let i = at - 1;
    while (i >= 0 && /^[A-Z0-9_]+=/.test(lines[i]!)) i--;
    expect(lines[i]?.startsWith('#')).toBe(true);
  });

  it('builds every source, and the example config-only endpoints, from the dev secrets alone', () => {
    const sources = buildSources({ ...DEV_SECRETS });
    expect([...sources.keys()].sort()).toEqual(['example-hmac', 'example-standard', 'frontapp', 'samsara', 'turvo']);
  });
});
