import { TestEnvironment } from 'jest-environment-node';
import type { Circus } from '@jest/types';

import { HELD_LOGS } from './held-logs';

const MAX_HELD = 2000;

/**
 * The node environment, holding back the Temporal worker's log lines (activity failures, failed
 * sagas, retries: most tests provoke them on purpose) and printing them only for a test or hook
 * that failed, so a green run is quiet and a red one shows what the worker said meanwhile.
 */
export default class HeldLogsEnvironment extends TestEnvironment {
  private held: string[] = [];

  override async setup(): Promise<void> {
    await super.setup();
    this.global[HELD_LOGS] = (line: string) => {
      this.held.push(line);
      if (this.held.length > MAX_HELD) this.held.splice(0, this.held.length - MAX_HELD);
    };
  }

  handleTestEvent(event: Circus.Event): void {
    if (event.name === 'test_done' || event.name === 'hook_failure') {
      const failed = event.name === 'hook_failure' || event.test.errors.length > 0;
      if (failed && this.held.length > 0) {
        const where = event.name === 'test_done' ? event.test.name : `${event.hook.type} hook`;
        process.stderr.write(`\n--- Temporal worker log up to the failure of "${where}" ---\n${this.held.join('')}--- end of worker log ---\n`);
      }
      this.held = [];
    }
  }
}
