import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';

/**
 * `npm run new-source` in a temporary copy of the repository: with no edit but what the scaffold
 * writes (its folder, its registry line, its variables in .env.example), the copy type-checks, lints,
 * and passes every jest file that enumerates sources: the registry-wide files of test/sources
 * (routes, env documentation, SOURCES_CONFIG, start-up checks, the config-only presets) and the
 * contract suite in-process and through the receiver on the test Temporal server. Not the entire
 * `npm test`: that is too slow for a 2-core CI; the files run here are those a new source can break.
 * The copy is removed after.
 *
 * What is left out, and why it cannot break: the other sources' own tests (test/sources/samsara/ and
 * the like) import their source's module only, which the scaffold does not touch; lint rules judge
 * one file at a time, so only the files the scaffold writes or edits are linted, while the type-check
 * covers the whole project (types are what crosses files).
 */
const ROOT = resolve(__dirname, '..', '..');
const SKIP = new Set(['node_modules', '.git', '.data', '.tools', 'dist', 'coverage', 'test-artifacts']);
const run = promisify(execFile);
/** The files of test/sources that go over every registered source. */
const REGISTRY_WIDE = [
  'test/sources/declared-config.test.ts',
  'test/sources/env-documented.test.ts',
  'test/sources/generic/presets.test.ts',
  'test/sources/routes.test.ts',
  'test/sources/startup-checks.test.ts',
];
let copy: string;

beforeAll(() => {
  copy = mkdtempSync(join(tmpdir(), 'scaffold-'));
  cpSync(ROOT, copy, { recursive: true, filter: (src) => !SKIP.has(relative(ROOT, src).split('/')[0]!) });
  // Installed tools are shared, not copied: node_modules, and the pinned Temporal CLI the test setup checks for.
  symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'));
  symlinkSync(join(ROOT, '.tools'), join(copy, '.tools'));
});

afterAll(() => {
  if (copy) rmSync(copy, { recursive: true, force: true });
});

function inCopy(args: string[], env: NodeJS.ProcessEnv = {}) {
  return run(process.execPath, args, { cwd: copy, env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 });
}

it('creates a source that type-checks, lints and passes every test that enumerates sources, as generated', async () => {
  const registryBefore = readFileSync(join(copy, 'sources', 'index.ts'), 'utf8');
  const { stdout } = await inCopy(['--import', 'tsx', 'scripts/new-source.ts', 'acme-yard']);
  expect(stdout).toContain('created sources/acme-yard/');

  for (const file of ['index.ts', 'verify.ts', 'events.ts', 'README.md', 'fixtures/sample-created.json']) {
    expect([file, existsSync(join(copy, 'sources', 'acme-yard', file))]).toEqual([file, true]);
  }
  const registryAfter = readFileSync(join(copy, 'sources', 'index.ts'), 'utf8').split('\n');
  const added = registryAfter.filter((line) => !registryBefore.split('\n').includes(line));
  expect(added).toEqual(["import { acmeYard } from './acme-yard';", '  acmeYard,']);

  // A second run refuses rather than overwrite.
  await expect(inCopy(['--import', 'tsx', 'scripts/new-source.ts', 'acme-yard'])).rejects.toMatchObject({ stderr: expect.stringContaining('already exists') });

  const envExample = readFileSync(join(copy, '.env.example'), 'utf8');
  for (const variable of ['ACME_YARD_WEBHOOK_SECRETS', 'ACME_YARD_TOLERANCE_SECONDS']) expect(envExample).toMatch(new RegExp(`^${variable}=`, 'm'));

  await inCopy([join('node_modules', 'typescript', 'bin', 'tsc'), '--noEmit', '-p', 'tsconfig.json']);
  await inCopy([join('node_modules', 'eslint', 'bin', 'eslint.js'), '--max-warnings=0', 'sources/acme-yard', 'sources/index.ts']);

  const results = join(copy, 'jest-results.json');
  // Every file that reads the registry (sources/index.ts) or .env.example's source variables.
  const files = [...REGISTRY_WIDE, 'test/contract/adapters.contract.test.ts', 'test/contract/receiver.contract.test.ts'];
  // CONTRACT_SOURCES narrows only the contract files (the receiver run of every source is what makes them slow).
  await inCopy([join('node_modules', 'jest', 'bin', 'jest.js'), '--ci', '--json', `--outputFile=${results}`, ...files], {
    CONTRACT_SOURCES: 'acme-yard',
    KEEP_TEMPORAL: '1',
    JEST_MAX_WORKERS: '1',
  }).catch((err: { stdout: string; stderr: string }) => {
    throw new Error(`the scaffolded source broke the suite:\n${err.stderr.slice(-4000)}`);
  });
  const summary = JSON.parse(readFileSync(results, 'utf8')) as {
    numPassedTests: number;
    numFailedTests: number;
    numPendingTests: number;
    testResults: { name: string; assertionResults: { fullName: string }[] }[];
  };
  expect([summary.numFailedTests, summary.numPendingTests]).toEqual([0, 0]);
  const ran = summary.testResults.map((r) => relative(copy, r.name)).sort();
  expect(ran).toEqual([...files].sort());
  const names = summary.testResults.flatMap((r) => r.assertionResults.map((a) => a.fullName));
  expect(names.filter((n) => n.startsWith('acme-yard (webhook secret)')).length).toBeGreaterThanOrEqual(14);
  expect(names).toContain('source configuration documents ACME_YARD_WEBHOOK_SECRETS in .env.example, under a comment');
  expect(names).toContain('source routes point only at sagas exported from sagas/workflows/index.ts (acme-yard: webhook secret)');
}, 600_000);
