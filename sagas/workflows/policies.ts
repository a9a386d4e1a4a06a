import type { ActivityOptions } from '@temporalio/workflow';

/**
 * Timeouts and retry policies, named once and shared by every saga.
 *
 * Downstream calls have no attempt limit: how long an unavailable downstream is waited out is the
 * client's decision (sagas/clients/http.ts), per service and from the worker's config (an outage
 * horizon, an hour by default), because a workflow cannot read config. The client sets each retry's
 * delay itself (Retry-After, else its backoff) and ends the retries with a non-retryable failure
 * once the horizon has passed. Temporal's own backoff below covers what the client never sees
 * (an attempt timing out, a worker dying), and the schedule-to-close timeout stops any step after a
 * day and an hour whatever happens (horizons are capped at a day).
 */
const PATIENT_RETRY = { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '2 minutes' } as const;
const STEP_CEILING = '25 hours';

/** A downstream write or read: short calls, patient with outages. */
export const DOWNSTREAM_CALL: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: STEP_CEILING,
  retry: PATIENT_RETRY,
};

/** An undo: at least as patient as a step, because giving up leaves the systems out of step. */
export const UNDO_CALL: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: STEP_CEILING,
  retry: PATIENT_RETRY,
};

/** A long download: it heartbeats, so a dead worker is noticed within the heartbeat timeout. */
export const LONG_DOWNLOAD: ActivityOptions = {
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '20 seconds',
  scheduleToCloseTimeout: STEP_CEILING,
  retry: PATIENT_RETRY,
};

/** Reading a large event back from the receiver's payload store (Redis, not a downstream): a few tries. */
export const PAYLOAD_READ: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 6 },
};

/**
 * Asking an entity's lock for a turn (a signal-with-start to Temporal itself): without its turn a
 * saga cannot go on, so it keeps asking, however long Temporal takes to answer.
 */
export const ENTITY_LOCK_CALL: ActivityOptions = {
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
};
