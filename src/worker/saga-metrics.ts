import type { InjectedSinks } from '@temporalio/worker';
import { Counter } from 'prom-client';
import type { SagaMetricsSinks } from '../../sagas/workflows/metrics-sinks';

/** Saga outcomes and step failures, counted in the worker from the workflows' sinks. */
export const sagaOutcomes = new Counter({
  name: 'saga_outcomes_total',
  help: 'Sagas that ended, by saga and outcome (completed | superseded | compensated | compensation_failed)',
  labelNames: ['saga', 'outcome'] as const,
});

export const sagaStepFailures = new Counter({
  name: 'saga_step_failures_total',
  help: 'Saga steps that failed (after their retries), by saga and step',
  labelNames: ['saga', 'step'] as const,
});

export const sagaUndoFailures = new Counter({
  name: 'saga_undo_failures_total',
  help: 'Undos that failed for good (their step\'s effect is left in place), by saga and step',
  labelNames: ['saga', 'step'] as const,
});

export const sagaMetricsSinks: InjectedSinks<SagaMetricsSinks> = {
  sagaMetrics: {
    finished: { fn: (_info, saga, outcome) => sagaOutcomes.inc({ saga, outcome }) },
    stepFailed: { fn: (_info, saga, step) => sagaStepFailures.inc({ saga, step }) },
    undoFailed: { fn: (_info, saga, step) => sagaUndoFailures.inc({ saga, step }) },
  },
};
