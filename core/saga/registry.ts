/**
 * Every saga the worker registers, by workflow type name: the receiver routes only to these, and the
 * worker checks at compile time that they and INTERNAL_WORKFLOWS are exactly the exports of sagas/workflows/index.ts
 * (src/worker/create-worker.ts). Workflow-safe: no imports.
 */
export const SAGA_NAMES = ['samsaraRouteStopSaga', 'samsaraDocumentSaga', 'turvoShipmentStatusSaga', 'frontInboundSaga', 'recordEventSaga'] as const;

export type SagaName = (typeof SAGA_NAMES)[number];

/** Workflows the worker also runs that are no saga, so no route may start them: the entity locks (core/saga/entity-lock.ts). */
export const INTERNAL_WORKFLOWS = ['entityLockWorkflow'] as const;

export type InternalWorkflowName = (typeof INTERNAL_WORKFLOWS)[number];

const REGISTERED: ReadonlySet<string> = new Set(SAGA_NAMES);

/** A Set, not a property lookup: `constructor` or `toString` is no saga. */
export function isSagaName(name: string): name is SagaName {
  return REGISTERED.has(name);
}

/** The config error's text for a route to a saga that does not exist. */
export function unknownSagaProblem(name: string): string {
  return `"${name}" is not a saga the worker registers (sagas: ${SAGA_NAMES.join(', ')})`;
}
