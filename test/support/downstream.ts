/**
 * Downstream base URLs for the saga tests' nock fake (test/sagas/support/fake-downstream.ts), which
 * asserts exact call lists and injects failures the sandbox cannot (a failure after N matching calls).
 * Every other test runs against the sandbox (test/support/sandbox.ts).
 */
export const DOWNSTREAM_ENV = {
  TURVO_API_URL: 'http://turvo.test/v1',
  FRONT_API_URL: 'http://front.test',
  SAMSARA_API_URL: 'http://samsara.test',
  RECORDS_API_URL: 'http://records.test',
  NOTIFY_API_URL: 'http://notify.test',
} as const;
