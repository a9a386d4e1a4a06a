import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

/**
 * The lint rule that keeps workflow code deterministic must actually fire. ESLint runs as its own
 * process (its flat config is an ES module, which jest's module system cannot load).
 */
const ROOT = resolve(__dirname, '..', '..');
const ESLINT = resolve(ROOT, 'node_modules', '.bin', 'eslint');

async function problems(code: string, path: string): Promise<string[]> {
  // The snippets are files of no project, so the type-aware rules (which need one) are off here.
  const untyped = ['--parser-options', 'projectService:false', '--rule', '@typescript-eslint/no-floating-promises: off', '--rule', '@typescript-eslint/no-misused-promises: off'];
  const run = spawnSync(ESLINT, ['--stdin', '--stdin-filename', path, '--format', 'json', ...untyped], { cwd: ROOT, input: code, encoding: 'utf8' });
  const [result] = JSON.parse(run.stdout) as { messages: { ruleId: string; message: string }[] }[];
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('workflow lint', () => {
  it('forbids Node built-ins and I/O libraries in saga files', async () => {
    expect(await problems("import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n", 'sagas/workflows/example-saga.ts')).toHaveLength(1);
    expect(await problems("import crypto from 'crypto';\nexport const x = crypto;\n", 'sagas/workflows/example-saga.ts')).toHaveLength(1);
    expect(await problems("import { Redis } from 'ioredis';\nexport const x = Redis;\n", 'sagas/workflows/example-saga.ts')).toHaveLength(1);
    expect(await problems("import { loadConfig } from '../../src/config';\nexport const x = loadConfig;\n", 'sagas/workflows/example-saga.ts')).toHaveLength(1);
  });

  it('holds the saga contract in core/saga/ to the same rule', async () => {
    expect(await problems("import { createHash } from 'node:crypto';\nexport const x = createHash;\n", 'core/saga/example.ts')).toHaveLength(1);
  });

  it('allows them in activities and clients, which run outside the workflow sandbox', async () => {
    expect(await problems("import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n", 'sagas/activities/example.ts')).toEqual([]);
    expect(await problems("import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n", 'sagas/clients/example.ts')).toEqual([]);
  });

  it('allows the workflow SDK and type-only imports of activities', async () => {
    const code = "import { proxyActivities } from '@temporalio/workflow';\nimport type { Activities } from '../activities';\nexport const a = proxyActivities<Activities>({ startToCloseTimeout: '1m' });\n";
    expect(await problems(code, 'sagas/workflows/example-saga.ts')).toEqual([]);
  });
});

describe('layer lint', () => {
  const receiverImport = "import { loadConfig } from '../../src/config';\nexport const x = loadConfig;\n";
  it('keeps sources/, sagas/ and core/ from importing the receiver', async () => {
    expect(await problems(receiverImport, 'sources/example/index.ts')).toHaveLength(1);
    expect(await problems(receiverImport, 'sagas/activities/example.ts')).toHaveLength(1);
    expect(await problems(receiverImport, 'core/saga/example.ts')).toHaveLength(1);
  });

  it('keeps core/ from importing the layers above it', async () => {
    expect(await problems("import { SOURCE_DEFINITIONS } from '../sources';\nexport const x = SOURCE_DEFINITIONS;\n", 'core/example.ts')).toHaveLength(1);
    expect(await problems("import type { Activities } from '../../sagas/activities';\nexport type X = Activities;\n", 'core/saga/example.ts')).toHaveLength(1);
  });

  it('lets src/ import every layer', async () => {
    expect(await problems("import { SOURCE_DEFINITIONS } from '../sources';\nexport const x = SOURCE_DEFINITIONS;\n", 'src/example.ts')).toEqual([]);
  });
});
