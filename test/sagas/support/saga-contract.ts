import type { SagaInput } from '../../../core/saga/input';
import { runToEnd, type SagaRun } from './saga-run';
import { describeCalls, useSagaHarness } from './harness';

/**
 * One saga's contract, checked on the real Temporal server with the downstream sandbox answering
 * the APIs: the happy path's exact calls; a refusal at every step, after which the undos of the earlier
 * steps run newest-first, once each, and the saga ends compensated; and an undo that fails too,
 * which ends compensation_failed keeping both errors.
 */
export interface StepSpec {
  name: string;
  /** The step's calls as `describeCalls` writes them (`METHOD /path [key step]`); the last is the one refused. */
  calls: string[];
  /** Its undo's calls; the last is the one refused in the compensation_failed case. */
  undo?: string[];
}

export interface SagaSpec {
  workflowType: string;
  input: () => SagaInput;
  steps: StepSpec[];
  /** What the happy path returns (matched with toMatchObject). */
  result: Record<string, unknown>;
}

/** `METHOD /path` of a described call, as the harness's fail takes it. */
function target(call: string): string {
  return call.replace(/ \[[^\]]*\]$/, '').replace(/\?.*$/, '');
}

/** How many calls before `index` in `calls` hit the same target: the failure must let them through. */
function earlierHits(calls: string[], index: number): number {
  return calls.slice(0, index).filter((c) => target(c) === target(calls[index]!)).length;
}

const REFUSAL = 422;

export function defineSagaContract(spec: SagaSpec): void {
  const h = useSagaHarness(spec.workflowType);

  const run = () => runToEnd(h.client, h.taskQueue, spec.workflowType, spec.input());
  const calls = (r: SagaRun) => describeCalls(h.requests(), r.keyPrefix);
  const names = spec.steps.map((s) => s.name);

  it('happy path: makes exactly the expected calls, in order, each write under its step key', async () => {
    const r = await run();
    expect(r.failure).toBeUndefined();
    expect(r.result).toMatchObject(spec.result);
    expect(calls(r)).toEqual(spec.steps.flatMap((s) => s.calls));
    expect(r.status).toMatchObject({ outcome: 'completed', saga: spec.workflowType, currentStep: names.at(-1) });
    expect(r.status.steps.map((s) => [s.step, s.state, s.attempts])).toEqual(names.map((n) => [n, 'completed', 1]));
    for (const step of r.status.steps) expect(Date.parse(step.endedAt!)).toBeGreaterThanOrEqual(Date.parse(step.startedAt));
    expect(r.searchAttributes).toMatchObject({ SagaOutcome: ['completed'], SagaStep: [names.at(-1)] });
  });

  spec.steps.forEach((failing, i) => {
    it(`refused at ${failing.name}: earlier undos run newest-first, once each; ends compensated`, async () => {
      const before = spec.steps.slice(0, i);
      const stepCalls = spec.steps.slice(0, i + 1).flatMap((s) => s.calls);
      const refused = stepCalls.length - 1;
      await h.fail(target(stepCalls[refused]!), { status: REFUSAL, after: earlierHits(stepCalls, refused) });

      const r = await run();
      const undos = [...before].reverse();
      expect(calls(r)).toEqual([...stepCalls, ...undos.flatMap((s) => s.undo ?? [])]);
      expect(r.failure).toMatchObject({
        saga: spec.workflowType,
        outcome: 'compensated',
        failedStep: failing.name,
        stepsDone: before.map((s) => s.name),
        stepsUndone: undos.filter((s) => s.undo).map((s) => s.name),
        stepsFailed: [{ step: failing.name, phase: 'run', attempts: 1, error: expect.stringContaining(`answered ${REFUSAL}`) }],
      });
      expect(r.failureMessage).toContain(`failed at ${failing.name} (compensated)`);
      expect(r.status.outcome).toBe('compensated');
      expect(r.status.steps.map((s) => [s.step, s.state])).toEqual([
        ...before.map((s) => [s.name, s.undo ? 'undone' : 'completed']),
        [failing.name, 'failed'],
      ]);
      expect(r.searchAttributes).toMatchObject({ SagaOutcome: ['compensated'] });
    });
  });

  // The last step fails, and so does the undo of the newest undoable step before it.
  const last = spec.steps.length - 1;
  const undoable = spec.steps.slice(0, last).filter((s) => s.undo);
  const brokenUndo = undoable.at(-1);
  if (brokenUndo) {
    it(`an undo that fails too (${brokenUndo.name}): the other undos still run; ends compensation_failed keeping both errors`, async () => {
      const stepCalls = spec.steps.flatMap((s) => s.calls);
      await h.fail(target(stepCalls.at(-1)!), { status: REFUSAL, after: earlierHits(stepCalls, stepCalls.length - 1) });
      const undoCalls = [...undoable].reverse().flatMap((s) => s.undo!);
      const all = [...stepCalls, ...undoCalls];
      const brokenIndex = stepCalls.length + brokenUndo.undo!.length - 1;
      await h.fail(target(all[brokenIndex]!), { status: 400, message: 'comment is locked', after: earlierHits(all, brokenIndex) });

      const r = await run();
      expect(calls(r)).toEqual(all);
      const failedStep = spec.steps[last]!.name;
      expect(r.failure).toMatchObject({
        outcome: 'compensation_failed',
        failedStep,
        error: expect.stringContaining(`answered ${REFUSAL}`),
        stepsUndone: [...undoable].reverse().slice(1).map((s) => s.name),
        stepsFailed: [
          { step: failedStep, phase: 'run', error: expect.stringContaining(`answered ${REFUSAL}`) },
          { step: brokenUndo.name, phase: 'undo', attempts: 1, error: expect.stringContaining('answered 400') },
        ],
      });
      expect(r.failureMessage).toMatch(new RegExp(`answered ${REFUSAL}.*; undo of ${brokenUndo.name} failed: .*answered 400`));
      expect(r.status.steps.find((s) => s.step === brokenUndo.name)).toMatchObject({ state: 'undo_failed', undo: { state: 'failed', attempts: 1 } });
      expect(r.searchAttributes).toMatchObject({ SagaOutcome: ['compensation_failed'] });
    });
  }
}
