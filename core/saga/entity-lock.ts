import { defineSignal } from '@temporalio/workflow';
import type { InternalWorkflowName } from './registry';

/**
 * How sagas, the activity that asks for a turn and an entity's lock workflow talk to each other
 * (sagas/workflows/entity-lock.ts, sagas/workflows/entity-turn.ts). Workflow-safe: no Node built-ins.
 */

/** The lock's workflow type, as the activity starts it. */
export const ENTITY_LOCK_WORKFLOW: InternalWorkflowName = 'entityLockWorkflow';

/**
 * A saga asking for its turn. `at` is the event's time by the vendor's clock `clock`, epoch ms. A saga
 * is known by its workflow ID, not its run: a run reset by an operator continues as the same saga,
 * holding the same turn (the lock's grant reaches whichever run is current).
 */
export interface TurnRequest {
  workflowId: string;
  /**
   * New for each request the saga makes (`uuid4()`, whose seed Temporal changes at a Reset) and
   * echoed in the answer: a grant re-applied to a reset run carries the old ticket and is ignored.
   */
  ticket: string;
  clock: string;
  at?: number;
}

/** Sent by the holder when it ended (or by a waiter that ended before its turn came). */
export interface TurnRelease {
  workflowId: string;
  /** The saga completed: its event is now the newest applied for its clock. */
  applied: boolean;
}

/** The newest event applied for one vendor clock, and the saga that applied it. */
export interface Applied {
  at: number;
  workflowId: string;
}

/** The lock's answer to a request: go ahead, or the entity already has something newer. */
export type TurnAnswer = { ticket: string } & ({ granted: true } | { granted: false; newest: Applied });

export interface LockState {
  entity: string;
  /** Per vendor clock: times are compared only with times of the same vendor. */
  newest: Record<string, Applied>;
  waiting: TurnRequest[];
  holder?: TurnRequest;
}

export const requestTurnSignal = defineSignal<[TurnRequest]>('requestTurn');
export const releaseTurnSignal = defineSignal<[TurnRelease]>('releaseTurn');
/** Lock → saga. Sent again as the liveness probe of a holder, so a saga must take it idempotently. */
export const turnSignal = defineSignal<[TurnAnswer]>('turn');

/** The lock's workflow ID. The task queue is part of it: the lock runs where its sagas run. */
export function entityLockId(taskQueue: string, entity: string): string {
  return `entity:${taskQueue}:${entity}`;
}

