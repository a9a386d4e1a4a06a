import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { DATA_DIR, TEST_TEMPORAL, ensureRedis, startTemporal, temporalAddress } from '../scripts/lib/stack';
import { workflowsPath } from '../src/worker/create-worker';

/**
 * Starts what the suite needs, once per run: Redis (if none answers) and a key prefix for this run, a headless Temporal dev
 * server on its own port and SQLite file (so tests never touch the main job's data), and the
 * workflow bundle every test worker loads.
 */
export default async function globalSetup(): Promise<void> {
  process.env.REDIS_URL ??= 'redis://127.0.0.1:6379';
  // Every Redis key a test writes starts with this run's prefix; the teardown deletes them all.
  process.env.TEST_REDIS_PREFIX ??= `test:run-${randomUUID().slice(0, 8)}:`;
  await ensureRedis(process.env.REDIS_URL);
  const started = await startTemporal(TEST_TEMPORAL);
  (globalThis as { __startedTemporal?: boolean }).__startedTemporal = started;
  process.env.TEMPORAL_ADDRESS = temporalAddress(TEST_TEMPORAL);

  const dir = join(DATA_DIR, 'test-bundle');
  mkdirSync(dir, { recursive: true });
  const codePath = join(dir, `workflows-${process.pid}.js`);
  const { code } = await bundleWorkflowCode({ workflowsPath: workflowsPath(), logger: quietLogger });
  writeFileSync(codePath, code);
  process.env.TEST_WORKFLOW_BUNDLE = codePath;
}

const noop = () => undefined;
const quietLogger = { trace: noop, debug: noop, info: noop, warn: noop, error: noop, log: noop };
