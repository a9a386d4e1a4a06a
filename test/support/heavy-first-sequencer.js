const Sequencer = require('@jest/test-sequencer').default;

/**
 * Jest starts first the files its cache says are slow; a CI run starts from a clean clone, without
 * that cache, and then goes by file size, so a slow but short file can start last and leave one of
 * the two workers running alone at the end. These files, the slowest measured (slowest first), start
 * first; every other file keeps jest's order after them. The order is that of a full run's per-file
 * times (`npx jest --ci --json`): update it when a file's weight changes much.
 */
const HEAVY = [
  'test/fuzz/webhooks.fuzz.test.ts',
  'test/drills/worker-versioning.test.ts',
  'test/ops/bulk-resume.test.ts',
  'test/fuzz/promise.property.test.ts',
  'test/sagas/entity-order.test.ts',
  'test/contract/scaffold.test.ts',
  'test/ops/replay-race.test.ts',
  'test/drills/redis-failover.test.ts',
  'test/drills/outage.test.ts',
  'test/http/hostile-deliveries.test.ts',
  'test/browser/ops-console.test.ts',
  'test/contract/check-sources.test.ts',
  'test/ops/bulk.test.ts',
  'test/sagas/outage.test.ts',
  'test/contract/send-cli.test.ts',
  'test/deploy/image-build.test.ts',
];

class HeavyFirstSequencer extends Sequencer {
  async sort(tests) {
    const sorted = await super.sort(tests);
    const rank = (test) => {
      const at = HEAVY.findIndex((file) => test.path.endsWith(file));
      return at === -1 ? HEAVY.length : at;
    };
    // Array.prototype.sort is stable: the files of equal rank stay in jest's order.
    return [...sorted].sort((a, b) => rank(a) - rank(b));
  }
}

module.exports = HeavyFirstSequencer;
