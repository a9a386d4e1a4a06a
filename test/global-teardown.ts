import { rmSync } from 'node:fs';
import { TEST_TEMPORAL, stopTemporal } from '../scripts/lib/stack';

/** Stops the Temporal server the setup started (set KEEP_TEMPORAL=1 to keep it for the next run). */
export default async function globalTeardown(): Promise<void> {
  if (process.env.TEST_WORKFLOW_BUNDLE) rmSync(process.env.TEST_WORKFLOW_BUNDLE, { force: true });
  const started = (globalThis as { __startedTemporal?: boolean }).__startedTemporal;
  if (started && process.env.KEEP_TEMPORAL !== '1') await stopTemporal(TEST_TEMPORAL);
}
