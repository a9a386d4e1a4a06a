import {
  ApplicationFailure,
  CancellationScope,
  defineQuery,
  log,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { SagaOutcome, SagaStep } from './search-attributes';

/**
 * The compensation toolkit. A saga is a list of steps; each step may carry an undo. When a later
 * step fails, the undos of the steps already started run newest-first, each once, and the saga
 * ends Failed with a structured account of what was done, undone and what could not be undone.
 */

export type StepState = 'running' | 'completed' | 'failed' | 'undoing' | 'undone' | 'undo_failed';
export type Outcome = 'running' | 'completed' | 'compensated' | 'compensation_failed';

export interface StepRecord {
  step: string;
  state: StepState;
  startedAt: string;
  endedAt?: string;
  error?: string;
  hasUndo: boolean;
  undoError?: string;
}

export interface SagaStatus {
  saga: string;
  outcome: Outcome;
  currentStep?: string;
  steps: StepRecord[];
}

/** Details carried by the failure a saga ends with (ApplicationFailure type `SagaFailed`). */
export interface SagaFailureDetails {
  outcome: Exclude<Outcome, 'running' | 'completed'>;
  failedStep: string;
  error: string;
  stepsDone: string[];
  stepsUndone: string[];
  undoFailures: { step: string; error: string }[];
}

/** The step timeline, for the on-call console. */
export const statusQuery = defineQuery<SagaStatus>('status');

export interface StepOptions<T> {
  /**
   * The inverse of the step. It is registered BEFORE the step runs, because a step can succeed
   * downstream yet time out here: the undo must therefore be safe when nothing happened. It gets
   * the step's result when there is one.
   */
  undo?: (result: T | undefined) => Promise<unknown>;
}

interface Compensation {
  record: StepRecord;
  undo: () => Promise<unknown>;
}

function message(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as { cause?: unknown }).cause;
    return cause instanceof Error ? `${err.message}: ${cause.message}` : err.message;
  }
  return String(err);
}

export class Saga {
  private readonly compensations: Compensation[] = [];
  private readonly status: SagaStatus;

  constructor(readonly name: string) {
    this.status = { saga: name, outcome: 'running', steps: [] };
    setHandler(statusQuery, () => this.status);
  }

  /** Runs one step; on failure the caller's `runSaga` compensates. */
  async step<T>(name: string, run: () => Promise<T>, options: StepOptions<T> = {}): Promise<T> {
    const record: StepRecord = { step: name, state: 'running', startedAt: new Date().toISOString(), hasUndo: !!options.undo };
    this.status.steps.push(record);
    this.status.currentStep = name;
    upsertSearchAttributes([{ key: SagaStep, value: name }]);

    let result: T | undefined;
    const undo = options.undo;
    if (undo) this.compensations.push({ record, undo: () => undo(result) });
    try {
      result = await run();
      record.state = 'completed';
      return result;
    } catch (err) {
      record.state = 'failed';
      record.error = message(err);
      throw err;
    } finally {
      record.endedAt = new Date().toISOString();
    }
  }

  /** Runs the registered undos newest-first, each once; never throws. */
  async compensate(): Promise<{ undone: string[]; failures: { step: string; error: string }[] }> {
    const undone: string[] = [];
    const failures: { step: string; error: string }[] = [];
    // Non-cancellable: a cancelled saga must still clean up after itself.
    await CancellationScope.nonCancellable(async () => {
      while (this.compensations.length > 0) {
        const { record, undo } = this.compensations.pop()!;
        const before = record.state;
        record.state = 'undoing';
        this.status.currentStep = `undo:${record.step}`;
        try {
          await undo();
          record.state = 'undone';
          undone.push(record.step);
        } catch (err) {
          record.state = 'undo_failed';
          record.undoError = message(err);
          failures.push({ step: record.step, error: record.undoError });
          log.error('undo failed', { step: record.step, stateBefore: before, error: record.undoError });
        }
      }
    });
    return { undone, failures };
  }

  finish(outcome: Exclude<Outcome, 'running'>): void {
    this.status.outcome = outcome;
    upsertSearchAttributes([{ key: SagaOutcome, value: outcome }]);
  }

  get currentStep(): string | undefined {
    return this.status.currentStep;
  }

  stepsDone(): string[] {
    return this.status.steps.filter((s) => s.state === 'completed' || s.state === 'undone' || s.state === 'undo_failed').map((s) => s.step);
  }
}

/**
 * Runs a saga body with compensation. On failure: undo newest-first, then fail the workflow with a
 * non-retryable `SagaFailed` carrying SagaFailureDetails; the original error stays its cause, and an
 * undo that fails is listed beside it, never instead of it.
 */
export async function runSaga<T>(name: string, body: (saga: Saga) => Promise<T>): Promise<T> {
  const saga = new Saga(name);
  try {
    const result = await body(saga);
    saga.finish('completed');
    return result;
  } catch (err) {
    const failedStep = saga.currentStep ?? '(before first step)';
    const stepsDone = saga.stepsDone();
    const { undone, failures } = await saga.compensate();
    const outcome = failures.length > 0 ? 'compensation_failed' : 'compensated';
    saga.finish(outcome);
    const details: SagaFailureDetails = {
      outcome,
      failedStep,
      error: message(err),
      stepsDone,
      stepsUndone: undone,
      undoFailures: failures,
    };
    log.warn('saga failed', { workflowId: workflowInfo().workflowId, ...details });
    throw ApplicationFailure.create({
      type: 'SagaFailed',
      message: `${name} failed at ${failedStep} (${outcome}): ${details.error}`,
      nonRetryable: true,
      details: [details],
      cause: err instanceof Error ? err : undefined,
    });
  }
}
