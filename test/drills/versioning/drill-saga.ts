import { condition, defineSignal, proxyActivities, setHandler } from '@temporalio/workflow';

/**
 * The versioning drill's saga (test/drills/worker-versioning.test.ts), in two versions that differ
 * in their first steps (drill-a.ts, drill-b.ts): run the steps, wait for the go-ahead if asked (a
 * saga in flight between steps), confirm.
 */
export interface DrillInput {
  wait: boolean;
}

export const proceed = defineSignal('proceed');

export interface DrillActivities {
  /** Answers `<name>@<build ID of the worker that ran it>`. */
  step(name: string): Promise<string>;
}

const { step } = proxyActivities<DrillActivities>({ startToCloseTimeout: '10 seconds' });

export function drillSagaOf(firstSteps: string[]): (input: DrillInput) => Promise<string[]> {
  return async function drillSaga({ wait }: DrillInput): Promise<string[]> {
    let go = !wait;
    setHandler(proceed, () => void (go = true));
    const done: string[] = [];
    for (const name of firstSteps) done.push(await step(name));
    await condition(() => go);
    done.push(await step('confirm'));
    return done;
  };
}
