import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';

/**
 * `npm run new-source` in a temporary copy of the repository: the new source must type-check, lint
 * and pass the whole contract suite (in-process and through the receiver on the test Temporal
 * server) with no edit but the scaffold's own folder and registry line. The copy is removed after.
 */
const ROOT = resolve(__dirname, '..', '..');
const SKIP = new Set(['node_modules', '.git', '.data', '.tools', 'dist', 'coverage', 'test-artifacts']);
const run = promisify(execFile);
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

it('creates a source that passes the contract suite with nothing edited but its folder and registry line', async () => {
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

  writeFileSync(join(copy, 'tsconfig.scaffold.json'), JSON.stringify({ extends: './tsconfig.json', include: ['sources'] }));
  await inCopy([join('node_modules', 'typescript', 'bin', 'tsc'), '--noEmit', '-p', 'tsconfig.scaffold.json']);
  await inCopy([join('node_modules', 'eslint', 'bin', 'eslint.js'), '--max-warnings=0', 'sources/acme-yard', 'sources/index.ts']);

  const results = join(copy, 'jest-results.json');
  await inCopy(
    [join('node_modules', 'jest', 'bin', 'jest.js'), '--ci', '--json', `--outputFile=${results}`, 'test/contract/adapters.contract.test.ts', 'test/contract/receiver.contract.test.ts'],
    { CONTRACT_SOURCES: 'acme-yard', KEEP_TEMPORAL: '1', JEST_MAX_WORKERS: '1' },
  ).catch((err: { stdout: string; stderr: string }) => {
    throw new Error(`contract suite failed for the scaffolded source:\n${err.stderr.slice(-4000)}`);
  });
  const summary = JSON.parse(readFileSync(results, 'utf8')) as { numPassedTests: number; numFailedTests: number; numPendingTests: number; testResults: { assertionResults: { fullName: string }[] }[] };
  expect([summary.numFailedTests, summary.numPendingTests]).toEqual([0, 0]);
  const names = summary.testResults.flatMap((r) => r.assertionResults.map((a) => a.fullName));
  expect(names.filter((n) => n.startsWith('acme-yard (webhook secret)')).length).toBeGreaterThanOrEqual(14);
}, 300_000);
