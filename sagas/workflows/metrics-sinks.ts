import { proxySinks, type Sinks } from '@temporalio/workflow';

/**
 * Sinks are how workflow code reports to the worker process without breaking determinism: the
 * worker implements them (src/worker/saga-metrics.ts) and they are not called again on replay.
 */
export interface SagaMetricsSinks extends Sinks {
  sagaMetrics: {
    finished(saga: string, outcome: string): void;
    stepFailed(saga: string, step: string): void;
    /** An undo that failed for good: its step's effect was left in place. */
    undoFailed(saga: string, step: string): void;
  };
}

export const { sagaMetrics } = proxySinks<SagaMetricsSinks>();
