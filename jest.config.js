/** @type {import('jest').Config} */
module.exports = {
  // Holds the Temporal worker's log lines back unless a test fails (test/support/held-logs-environment.ts).
  testEnvironment: '<rootDir>/test/support/held-logs-environment.ts',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }] },
  // One Temporal dev server and one workflow bundle for the whole run.
  globalSetup: '<rootDir>/test/global-setup.ts',
  globalTeardown: '<rootDir>/test/global-teardown.ts',
  // The slowest files first, also on CI where jest has no timings cached, so both workers end together.
  testSequencer: '<rootDir>/test/support/heavy-first-sequencer.js',
  testTimeout: 60_000,
  maxWorkers: process.env.JEST_MAX_WORKERS ?? 2,
};
