const base = require('./jest.config');

/**
 * The fast tier (`npm run test:unit`): files that need neither Temporal nor Redis, so no global
 * setup runs. `npm test` runs these too, with everything else. A file listed here that reaches for
 * the test servers fails (TEMPORAL_ADDRESS is unset without the global setup).
 */
/** @type {import('jest').Config} */
module.exports = {
  ...base,
  globalSetup: undefined,
  globalTeardown: undefined,
  testMatch: [
    '<rootDir>/test/sources/**/*.test.ts',
    '<rootDir>/test/config/**/*.test.ts',
    '<rootDir>/test/contract/adapters.contract.test.ts',
    '<rootDir>/test/deploy/manifests.test.ts',
    '<rootDir>/test/intake/decisions.test.ts',
    '<rootDir>/test/ops/config.test.ts',
    '<rootDir>/test/ops/cause.test.ts',
    '<rootDir>/test/scripts/histories.test.ts',
    '<rootDir>/test/sandbox/**/*.test.ts',
    '<rootDir>/test/temporal/codec.test.ts',
    '<rootDir>/test/intake/sealing.test.ts',
  ],
  // In those folders but on the real servers: the receiver process against Temporal.
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/sources/startup-checks.test.ts'],
};
