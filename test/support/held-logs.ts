/** The global through which a test file's Temporal runtime hands its log lines to the test environment. */
export const HELD_LOGS = '__heldTemporalLogs';
