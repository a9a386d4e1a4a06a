import type { ActivityOptions } from '@temporalio/workflow';

/** Timeouts and retry policies, named once and shared by every saga. */

/** A downstream write or read: short calls, retried with exponential backoff. */
export const DOWNSTREAM_CALL: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 6 },
};

/** An undo: tried harder than a step, because giving up leaves the systems out of step. */
export const UNDO_CALL: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '2 minutes', maximumAttempts: 10 },
};

/** A long download: it heartbeats, so a dead worker is noticed within the heartbeat timeout. */
export const LONG_DOWNLOAD: ActivityOptions = {
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '20 seconds',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 5 },
};
