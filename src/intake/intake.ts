import type { Logger } from '../logger';
import type { StartResult } from '../temporal/start-saga';
import type { SagaInput } from '../../core/saga/input';

export interface IntakeRequest {
  workflowId: string;
  saga: string;
  input: SagaInput;
}

/**
 * started: Temporal has the saga. duplicate: it already had it. queued: Temporal did not answer in
 * time, the start is in the Redis outbox and the forwarder will make it (answered 202 all the same).
 */
export type IntakeResult = StartResult | { duplicate: false; queued: true; workflowId: string };

/** Where verified events go: makes each durable (a saga started, or found to exist already). */
export interface Intake {
  submit(req: IntakeRequest, log: Logger): Promise<IntakeResult>;
}
