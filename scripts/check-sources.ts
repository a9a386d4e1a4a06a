/**
 * The contract suite on your own configuration, before deploying it:
 *
 *   npm run check-sources -- --config path/to/sources.json [--receiver]
 *   SOURCES_CONFIG=path/to/sources.json npm run check-sources
 *
 * Builds every endpoint as the receiver would at start-up (so a configuration error is reported the
 * same way), then runs test/contract/adapters.contract.test.ts for the endpoints the file declares,
 * each signed with the secrets its `secretsEnv` variable holds, against the fixtures its `fixtures`
 * folder holds. That needs no Temporal or Redis. `--receiver` also sends each fixture through a real
 * receiver onto Temporal (test/contract/receiver.contract.test.ts, with the test stack).
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { buildSourceInstances } from '../sources';
import { declaredSources } from '../sources/engine/declared';

const ROOT = resolve(__dirname, '..');
const USAGE = 'usage: npm run check-sources -- --config path/to/sources.json [--receiver]   (or SOURCES_CONFIG=... npm run check-sources)';

function main(): number {
  const { values } = parseArgs({ options: { config: { type: 'string' }, receiver: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } } });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const given = values.config ?? process.env.SOURCES_CONFIG;
  if (!given?.trim()) throw new Error(USAGE);
  // A path is made absolute here: jest runs from the repository, the user may not.
  const sourcesConfig = given.trim().startsWith('{') ? given : resolve(given);
  const env: NodeJS.ProcessEnv = { ...process.env, SOURCES_CONFIG: sourcesConfig };
  buildSourceInstances(env);
  const names = declaredSources(env).map((e) => e.name);
  if (names.length === 0) throw new Error('the configuration declares no endpoint');
  process.stdout.write(`[check-sources] contract suite for ${names.join(', ')}\n`);

  const contract = join(ROOT, 'test', 'contract');
  const childEnv = { ...env, CONTRACT_SOURCES: names.join(','), JEST_MAX_WORKERS: process.env.JEST_MAX_WORKERS ?? '1' };
  const jest = (config: string, file: string) =>
    spawnSync(process.execPath, [join(ROOT, 'node_modules', 'jest', 'bin', 'jest.js'), '--ci', '--config', config, file], { env: childEnv, stdio: 'inherit' }).status ?? 1;
  // The in-process suite needs no stack: it runs without the global setup that starts Temporal and Redis.
  const { globalSetup: _setup, globalTeardown: _teardown, ...base } = createRequire(__filename)(join(ROOT, 'jest.config.js')) as Record<string, unknown>;
  const status = jest(JSON.stringify({ ...base, rootDir: ROOT }), join(contract, 'adapters.contract.test.ts'));
  if (status !== 0 || !values.receiver) return status;
  return jest(join(ROOT, 'jest.config.js'), join(contract, 'receiver.contract.test.ts'));
}

try {
  process.exitCode = main();
} catch (err) {
  process.stderr.write(`[check-sources] ${(err as Error).message}\n`);
  process.exitCode = 1;
}
