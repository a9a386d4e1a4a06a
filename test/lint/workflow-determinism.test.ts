import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

/**
 * The lint rule that keeps workflow code deterministic must actually fire. ESLint runs as its own
 * process (its flat config is an ES module, which jest's module system cannot load).
 */
const ROOT = resolve(__dirname, '..', '..');
const ESLINT = resolve(ROOT, 'node_modules', '.bin', 'eslint');

async function problems(code: string, path: string): Promise<string[]> {
  const run = spawnSync(ESLINT, ['--stdin', '--stdin-filename', path, '--format', 'json'], { cwd: ROOT, input: code, encoding: 'utf8' });
  const [result] = JSON.parse(run.stdout) as { messages: { ruleId: string; message: string }[] }[];
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('workflow lint', () => {
  it('forbids Node built-ins and I/O libraries in saga files', async () => {
    expect(await problems("import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n", 'sagas/example-saga.ts')).toHaveLength(1);
    expect(await problems("import crypto from 'crypto';\nexport const x = crypto;\n", 'sagas/example-saga.ts')).toHaveLength(1);
    expect(await problems("import { Redis } from 'ioredis';\nexport const x = Redis;\n", 'sagas/example-saga.ts')).toHaveLength(1);
    expect(await problems("import { loadConfig } from '../src/config';\nexport const x = loadConfig;\n", 'sagas/example-saga.ts')).toHaveLength(1);
  });

  it('allows them in activities and clients, which run outside the workflow sandbox', async () => {
    expect(await problems("import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n", 'sagas/activities/example.ts')).toEqual([]);
    expect(await problems("import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n", 'sagas/clients/example.ts')).toEqual([]);
  });

  it('allows the workflow SDK and type-only imports of activities', async () => {
    const code = "import { proxyActivities } from '@temporalio/workflow';\nimport type { Activities } from './activities';\nexport const a = proxyActivities<Activities>({ startToCloseTimeout: '1m' });\n";
    expect(await problems(code, 'sagas/example-saga.ts')).toEqual([]);
  });
});
