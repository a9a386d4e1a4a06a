import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

/**
 * The lint rule that keeps workflow code deterministic must actually fire. ESLint runs as its own
 * process (its flat config is an ES module, which jest's module system cannot load): one process
 * for every snippet below, through ESLint's API (lintText with each snippet's path), since its
 * start-up, not the linting, is what takes the time.
 */
const ROOT = resolve(__dirname, '..', '..');

const FS = "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n";
const RECEIVER = "import { loadConfig } from '../../src/config';\nexport const x = loadConfig;\n";
const SOURCES = "import { SOURCE_DEFINITIONS } from '../sources';\nexport const x = SOURCE_DEFINITIONS;\n";
const CRYPTO = "import crypto from 'crypto';\nexport const x = crypto;\n";
const IOREDIS = "import { Redis } from 'ioredis';\nexport const x = Redis;\n";
const CREATE_HASH = "import { createHash } from 'node:crypto';\nexport const x = createHash;\n";
const ACTIVITIES_TYPE = "import type { Activities } from '../../sagas/activities';\nexport type X = Activities;\n";
const WORKFLOW_SDK =
  "import { proxyActivities } from '@temporalio/workflow';\nimport type { Activities } from '../activities';\nexport const a = proxyActivities<Activities>({ startToCloseTimeout: '1m' });\n";

/** Every snippet the tests below lint, with the path it is linted as. */
const SNIPPETS: [code: string, path: string][] = [
  [FS, 'sagas/workflows/example-saga.ts'],
  [CRYPTO, 'sagas/workflows/example-saga.ts'],
  [IOREDIS, 'sagas/workflows/example-saga.ts'],
  [RECEIVER, 'sagas/workflows/example-saga.ts'],
  [CREATE_HASH, 'core/saga/example.ts'],
  [FS, 'sagas/activities/example.ts'],
  [FS, 'sagas/clients/example.ts'],
  [WORKFLOW_SDK, 'sagas/workflows/example-saga.ts'],
  [RECEIVER, 'sources/example/index.ts'],
  [RECEIVER, 'sagas/activities/example.ts'],
  [RECEIVER, 'core/saga/example.ts'],
  [SOURCES, 'core/example.ts'],
  [ACTIVITIES_TYPE, 'core/saga/example.ts'],
  [SOURCES, 'src/example.ts'],
];

// The snippets are files of no project, so the type-aware rules (which need one) are off here.
const LINT_ALL = `
import { ESLint } from 'eslint';
const snippets = JSON.parse(process.argv[1]);
const eslint = new ESLint({
  overrideConfig: {
    languageOptions: { parserOptions: { projectService: false } },
    rules: { '@typescript-eslint/no-floating-promises': 'off', '@typescript-eslint/no-misused-promises': 'off' },
  },
});
const out = [];
for (const [code, filePath] of snippets) {
  const [result] = await eslint.lintText(code, { filePath });
  out.push(result.messages.map((m) => ({ ruleId: m.ruleId, message: m.message })));
}
process.stdout.write(JSON.stringify(out));
`;

let linted: Map<string, string[]>;
const keyOf = (code: string, path: string) => `${path}\n${code}`;

beforeAll(() => {
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', LINT_ALL, JSON.stringify(SNIPPETS)], { cwd: ROOT, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`eslint failed: ${run.stderr}`);
  const results = JSON.parse(run.stdout) as { ruleId: string | null; message: string }[][];
  linted = new Map(SNIPPETS.map(([code, path], i) => [keyOf(code, path), results[i]!.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message)]));
}, 120_000);

/** The no-restricted-imports messages for `code` linted as the file `path` (one of SNIPPETS). */
function problems(code: string, path: string): string[] {
  const found = linted.get(keyOf(code, path));
  if (!found) throw new Error(`not in SNIPPETS: ${path}`);
  return found;
}

describe('workflow lint', () => {
  it('forbids Node built-ins and I/O libraries in saga files', () => {
    expect(problems(FS, 'sagas/workflows/example-saga.ts')).toHaveLength(1);
    expect(problems(CRYPTO, 'sagas/workflows/example-saga.ts')).toHaveLength(1);
    expect(problems(IOREDIS, 'sagas/workflows/example-saga.ts')).toHaveLength(1);
    expect(problems(RECEIVER, 'sagas/workflows/example-saga.ts')).toHaveLength(1);
  });

  it('holds the saga contract in core/saga/ to the same rule', () => {
    expect(problems(CREATE_HASH, 'core/saga/example.ts')).toHaveLength(1);
  });

  it('allows them in activities and clients, which run outside the workflow sandbox', () => {
    expect(problems(FS, 'sagas/activities/example.ts')).toEqual([]);
    expect(problems(FS, 'sagas/clients/example.ts')).toEqual([]);
  });

  it('allows the workflow SDK and type-only imports of activities', () => {
    expect(problems(WORKFLOW_SDK, 'sagas/workflows/example-saga.ts')).toEqual([]);
  });
});

describe('layer lint', () => {
  it('keeps sources/, sagas/ and core/ from importing the receiver', () => {
    expect(problems(RECEIVER, 'sources/example/index.ts')).toHaveLength(1);
    expect(problems(RECEIVER, 'sagas/activities/example.ts')).toHaveLength(1);
    expect(problems(RECEIVER, 'core/saga/example.ts')).toHaveLength(1);
  });

  it('keeps core/ from importing the layers above it', () => {
    expect(problems(SOURCES, 'core/example.ts')).toHaveLength(1);
    expect(problems(ACTIVITIES_TYPE, 'core/saga/example.ts')).toHaveLength(1);
  });

  it('lets src/ import every layer', () => {
    expect(problems(SOURCES, 'src/example.ts')).toEqual([]);
  });
});
