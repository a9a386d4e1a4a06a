import { defineQuery, defineSignal } from '@temporalio/workflow';
import { WAITING_SIGNAL, type Waiting } from './attempts';

/**
 * What a saga reports about itself: the status query's answer (the console's timeline) and the
 * details of the failure it ends with. Written by sagas/workflows/saga.ts, read by the console.
 * Workflow-safe: no Node built-ins.
 */

export type StepState = 'running' | 'completed' | 'failed' | 'undoing' | 'undone' | 'undo_failed';
/** `superseded`: a newer event was already applied to the saga's entity, so it changed nothing (sagas/workflows/entity-turn.ts). */
export type Outcome = 'running' | 'completed' | 'compensated' | 'compensation_failed' | 'superseded';

export interface UndoRecord {
  state: 'running' | 'done' | 'failed';
  attempts?: number;
  error?: string;
  /** While its downstream is unavailable: the service, the attempt that failed, the next try, the error. */
  waiting?: Waiting;
  startedAt: string;
  endedAt?: string;
}

export interface StepRecord {
  step: string;
  state: StepState;
  /** Activity attempts the step took; unknown while it runs (Temporal retries without telling the workflow). */
  attempts?: number;
  /** The error the step failed with. */
  lastError?: string;
  /** The idempotency key of the step's write (what its undo reverses); absent for reads. */
  key?: string;
  /** While its downstream is unavailable: the service, the attempt that failed, the next try, the error. */
  waiting?: Waiting;
  startedAt: string;
  endedAt?: string;
  hasUndo: boolean;
  undo?: UndoRecord;
}

export interface SagaStatus {
  saga: string;
  workflowId: string;
  outcome: Outcome;
  /** The step running now (`undo:<step>` while undoing), then the last one reached. */
  currentStep?: string;
  startedAt: string;
  endedAt?: string;
  steps: StepRecord[];
  failure?: SagaFailureDetails;
}

export interface FailedStep {
  step: string;
  /** `run`: the step itself failed; `undo`: its undo failed while compensating. */
  phase: 'run' | 'undo';
  error: string;
  attempts?: number;
  /** The idempotency key of the step's write: for an undo that failed, exactly the effect left in place. */
  key?: string;
}

/** Details carried by the failure a saga ends with (ApplicationFailure type `SagaFailed`). */
export interface SagaFailureDetails {
  saga: string;
  outcome: 'compensated' | 'compensation_failed';
  /** The step whose failure started the compensation. */
  failedStep: string;
  /** That step's error: the original failure, never replaced by an undo's. */
  error: string;
  /** Steps that had completed when the failure happened, in order. */
  stepsDone: string[];
  /** Steps whose undo ran and succeeded, in the order they were undone (newest first). */
  stepsUndone: string[];
  /** The failed step and every undo that failed (what was not undone), each with its own error and key. */
  stepsFailed: FailedStep[];
}

export const SAGA_FAILED = 'SagaFailed';

/** The step timeline, for the on-call console. Answers for closed sagas too (Temporal replays the history). */
export const statusQuery = defineQuery<SagaStatus>('status');

/** Sent by an activity after an attempt its downstream did not answer (sagas/activities/report.ts). */
export const waitingSignal = defineSignal<[Waiting]>(WAITING_SIGNAL);

/** What a saga returns when its event is older than one already applied to its entity (sagas/workflows/entity-turn.ts). */
export interface SupersededResult {
  superseded: {
    entity: string;
    /** This event's vendor time. */
    at: string;
    /** The newer vendor time already applied, and the saga that applied it. */
    newestAt: string;
    by: string;
  };
}

export function isSuperseded(result: unknown): result is SupersededResult {
  return typeof result === 'object' && result !== null && 'superseded' in result;
}
