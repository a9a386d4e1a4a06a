import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  TimeoutFailure,
  isCancellation,
  log,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { idempotencyKey } from '../../core/saga/keys';
import { attemptFromDetails, DOWNSTREAM_UNAVAILABLE, type KeyRequest, type Reported } from '../../core/saga/attempts';
import { sagaMetrics } from './metrics-sinks';
import { SagaOutcome, SagaStep } from '../../core/saga/search-attributes';
import { SAGA_FAILED, isSuperseded, statusQuery, waitingSignal, type FailedStep, type Outcome, type SagaFailureDetails, type SagaStatus, type StepRecord, type UndoRecord } from '../../core/saga/status';

/**
 * The compensation toolkit. A saga is a list of steps; each step may carry an undo, registered
 * before the step runs. When a step fails, the undos of the steps already started run newest-first,
 * each once, in a non-cancellable scope; the saga then ends Failed (`SagaFailed`) with a structured
 * account of what was done, undone and what failed, keeping every error.
 *
 * Steps run activities wrapped by sagas/activities/report.ts, which report the attempt they were
 * on, so the timeline shows how many attempts each step and undo took.
 */

export interface StepOptions<T> {
  /**
   * The inverse of the step. It is registered BEFORE the step runs, because a step can succeed
   * downstream yet time out here: the undo must therefore be safe when nothing happened. It gets
   * the step's result when there is one.
   */
  undo?: (result: T | undefined, key: string) => Promise<Reported<unknown>>;
}

interface Compensation {
  record: StepRecord;
  undo: () => Promise<Reported<unknown>>;
}

/** A readable one-line account of a failure, from the innermost cause that says something. */
export function describeFailure(err: unknown): string {
  if (err instanceof ActivityFailure) {
    const cause = err.cause;
    const what = cause instanceof TimeoutFailure ? `timed out (${cause.timeoutType})` : cause ? cause.message : err.message;
    return `${err.activityType}: ${what}`;
  }
  if (err instanceof Error) return err.message;
  return String(err);
}

/** Attempts an activity failure reported, if its activity was wrapped (sagas/activities/report.ts). */
function failedAttempts(err: unknown): number | undefined {
  if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure) return attemptFromDetails(err.cause.details);
  return undefined;
}

/**
 * True when the step's activity refused for sure: it failed with a non-retryable ApplicationFailure.
 * Activities throw those only when nothing changed downstream (a 4xx business refusal), so the failed
 * step's own undo is skipped. Anything else (a timeout, retries exhausted, a cancellation) may hide
 * an effect that happened, so its undo runs.
 */
function refusedForSure(err: unknown): boolean {
  // An outage that outlasted its horizon is non-retryable too, but its last attempt may have timed out after the effect.
  return err instanceof ActivityFailure && err.cause instanceof ApplicationFailure && err.cause.nonRetryable === true && err.cause.type !== DOWNSTREAM_UNAVAILABLE;
}

function now(): string {
  // Workflow time: deterministic, the time of the current workflow task.
  return new Date().toISOString();
}

export class Saga {
  private readonly compensations: Compensation[] = [];
  private readonly status: SagaStatus;
  private failed?: { record: StepRecord; error: unknown };
  /** The step or undo running now: where a `stepWaiting` signal lands. */
  private active?: StepRecord | UndoRecord;
  private readonly endHooks: ((outcome: Outcome) => Promise<void>)[] = [];

  constructor(readonly name: string) {
    this.status = { saga: name, workflowId: workflowInfo().workflowId, outcome: 'running', startedAt: now(), steps: [] };
    setHandler(statusQuery, () => this.status);
    setHandler(waitingSignal, (waiting) => {
      if (this.active) this.active.waiting = waiting;
    });
  }

  /**
   * Runs one step; on failure, `runSaga` compensates. `run` gets a KeyRequest to pass to its write
   * activity, which makes the idempotency key from its own execution and reports it with the result
   * (core/saga/keys.ts). The undo gets that key from the step's result, i.e. from the history: in a
   * run reset past this step, it is the key of the write the earlier run made. Step names are
   * unique within a saga.
   */
  async step<T>(name: string, run: (key: KeyRequest) => Promise<Reported<T>>, options: StepOptions<T> = {}): Promise<T> {
    if (this.status.steps.some((s) => s.step === name)) throw new Error(`saga ${this.name} has two steps named ${name}`);
    const record: StepRecord = { step: name, state: 'running', startedAt: now(), hasUndo: !!options.undo };
    this.status.steps.push(record);
    this.setCurrentStep(name);
    this.active = record;

    // What an activity of this run derives for the step; a completed step's reported key replaces it.
    // It stays for a step that failed (it ran in this run: a reset replays only completed steps from
    // an earlier run) and for results recorded before activities reported their key.
    let key = this.runKey(name);
    let result: T | undefined;
    const undo = options.undo;
    const compensation = undo ? { record, undo: () => undo(result, key) } : undefined;
    if (compensation) this.compensations.push(compensation);
    try {
      const reported = await run({ keyForStep: name });
      result = reported.value;
      if (reported.key) key = reported.key;
      if (undo || reported.key) record.key = key;
      record.attempts = reported.attempt;
      record.state = 'completed';
      return reported.value;
    } catch (err) {
      if (undo) record.key = key;
      record.state = 'failed';
      record.lastError = describeFailure(err);
      record.attempts = failedAttempts(err);
      this.failed ??= { record, error: err };
      sagaMetrics.stepFailed(this.name, name);
      if (compensation && refusedForSure(err)) this.compensations.splice(this.compensations.indexOf(compensation), 1);
      throw err;
    } finally {
      record.endedAt = now();
      delete record.waiting;
      this.active = undefined;
    }
  }

  /** The key an activity of this run derives for a step (sagas/activities/report.ts). */
  private runKey(step: string): string {
    const { workflowId, runId } = workflowInfo();
    return idempotencyKey(workflowId, runId, step);
  }

  /** Runs the registered undos newest-first, each once; never throws. */
  async compensate(): Promise<{ undone: string[]; failures: FailedStep[] }> {
    const undone: string[] = [];
    const failures: FailedStep[] = [];
    // Non-cancellable: a cancelled saga must still clean up after itself.
    await CancellationScope.nonCancellable(async () => {
      for (let next = this.compensations.pop(); next; next = this.compensations.pop()) {
        const { record, undo } = next;
        const stateBefore = record.state;
        const undoRecord: UndoRecord = { state: 'running', startedAt: now() };
        record.undo = undoRecord;
        record.state = 'undoing';
        this.setCurrentStep(`undo:${record.step}`);
        this.active = undoRecord;
        try {
          const reported = await undo();
          undoRecord.attempts = reported.attempt;
          undoRecord.state = 'done';
          record.state = 'undone';
          undone.push(record.step);
        } catch (err) {
          undoRecord.state = 'failed';
          undoRecord.error = describeFailure(err);
          undoRecord.attempts = failedAttempts(err);
          record.state = 'undo_failed';
          failures.push({ step: record.step, phase: 'undo', error: undoRecord.error, attempts: undoRecord.attempts, ...(record.key ? { key: record.key } : {}) });
          sagaMetrics.undoFailed(this.name, record.step);
          log.error('undo failed', { step: record.step, stateBefore, key: record.key, error: undoRecord.error });
        } finally {
          undoRecord.endedAt = now();
          delete undoRecord.waiting;
          this.active = undefined;
        }
      }
    });
    return { undone, failures };
  }

  /** Compensates after `err` and returns the failure the saga ends with. */
  async fail(err: unknown): Promise<SagaFailureDetails> {
    const stepsDone = this.status.steps.filter((s) => s.state === 'completed').map((s) => s.step);
    // A failure outside any step: the input was refused before the first one, or a check between steps.
    const failedStep = this.failed?.record.step ?? (this.status.steps.length === 0 ? '(before first step)' : '(between steps)');
    const error = describeFailure(this.failed?.error ?? err);
    const { undone, failures } = await this.compensate();
    const details: SagaFailureDetails = {
      saga: this.name,
      outcome: failures.length > 0 ? 'compensation_failed' : 'compensated',
      failedStep,
      error,
      stepsDone,
      stepsUndone: undone,
      stepsFailed: [
        { step: failedStep, phase: 'run', error, attempts: this.failed?.record.attempts, ...(this.failed?.record.key ? { key: this.failed.record.key } : {}) },
        ...failures,
      ],
    };
    this.status.failure = details;
    this.finish(details.outcome);
    return details;
  }

  /**
   * Runs `hook` once the saga's outcome is known, compensation included, even when it was cancelled
   * (e.g. giving back its turn on its entity).
   */
  onEnd(hook: (outcome: Outcome) => Promise<void>): void {
    this.endHooks.push(hook);
  }

  /** Runs the end hooks, not cancellable; called by runSaga once the outcome is set. */
  async ended(): Promise<void> {
    if (this.endHooks.length === 0) return;
    await CancellationScope.nonCancellable(async () => {
      for (const hook of this.endHooks) await hook(this.status.outcome);
    });
  }

  finish(outcome: Exclude<Outcome, 'running'>): void {
    this.status.outcome = outcome;
    this.status.endedAt = now();
    upsertSearchAttributes([{ key: SagaOutcome, value: outcome }]);
    sagaMetrics.finished(this.name, outcome);
  }

  private setCurrentStep(step: string): void {
    this.status.currentStep = step;
    upsertSearchAttributes([{ key: SagaStep, value: step }]);
  }
}

/**
 * Runs a saga body with compensation. On failure: undo newest-first, then fail the workflow with a
 * non-retryable `SagaFailed` carrying SagaFailureDetails; the original error stays its cause and its
 * message, and every undo that failed is listed beside it, never instead of it. A cancelled saga is
 * compensated the same way and ends Cancelled.
 */
export async function runSaga<T>(name: string, body: (saga: Saga) => Promise<T>): Promise<T> {
  const saga = new Saga(name);
  try {
    const result = await body(saga);
    saga.finish(isSuperseded(result) ? 'superseded' : 'completed');
    return result;
  } catch (err) {
    const details = await saga.fail(err);
    log.warn('saga failed', { ...details });
    if (isCancellation(err)) throw err;
    const undoErrors = details.stepsFailed.filter((f) => f.phase === 'undo').map((f) => `; undo of ${f.step} failed: ${f.error}`);
    throw ApplicationFailure.create({
      type: SAGA_FAILED,
      message: `${name} failed at ${details.failedStep} (${details.outcome}): ${details.error}${undoErrors.join('')}`,
      nonRetryable: true,
      details: [details],
      cause: err instanceof Error ? err : undefined,
    });
  } finally {
    await saga.ended();
  }
}
