import { Context } from '@temporalio/activity';
import { ENTITY_LOCK_WORKFLOW, requestTurnSignal, type LockState, type TurnRequest } from '../../core/saga/entity-lock';

/**
 * The one thing a workflow cannot do itself: signal-with-start, which starts the entity's lock when
 * it is not running and queues the request either way, atomically. Sent again on a retry, the request
 * is kept once (the lock keys waiters by workflow ID).
 */
export function createEntityLockActivities() {
  return {
    async requestEntityTurn(lockWorkflowId: string, entity: string, request: TurnRequest): Promise<void> {
      const { client, info } = Context.current();
      const initial: LockState = { entity, newest: {}, waiting: [] };
      await client.workflow.signalWithStart(ENTITY_LOCK_WORKFLOW, {
        workflowId: lockWorkflowId,
        taskQueue: info.taskQueue,
        args: [initial],
        signal: requestTurnSignal,
        signalArgs: [request],
      });
    },
  };
}

export type EntityLockActivities = ReturnType<typeof createEntityLockActivities>;
