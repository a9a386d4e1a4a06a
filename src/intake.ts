import type { Client } from '@temporalio/client';
import type { Logger } from './logger';
import { ServiceUnavailableError } from './errors';
import { startSaga, type StartResult } from './temporal/start-saga';
import type { SagaInput } from '../sagas/types';

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

export interface TemporalIntakeOptions {
  client: Client;
  taskQueue: string;
  startTimeoutMs: number;
}

/** Starts the saga straight on Temporal; if Temporal does not accept it, the vendor is told to retry (503). */
export function temporalIntake({ client, taskQueue, startTimeoutMs }: TemporalIntakeOptions): Intake {
  return {
    async submit(req, log) {
      try {
        return await startSaga(client, { ...req, taskQueue }, startTimeoutMs);
      } catch (err) {
        log.error('temporal did not accept the saga start', { error: (err as Error).message });
        throw new ServiceUnavailableError('temporal_unavailable');
      }
    },
  };
}
