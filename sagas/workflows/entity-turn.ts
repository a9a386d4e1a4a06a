import { condition, getExternalWorkflowHandle, patched, proxyActivities, setHandler, uuid4, workflowInfo } from '@temporalio/workflow';
import type { EntityLockActivities } from '../activities/entity-activities';
import { entityLockId, releaseTurnSignal, turnSignal, type TurnAnswer, type TurnRequest } from '../../core/saga/entity-lock';
import { ENTITY_LOCK_CALL } from './policies';
import type { SupersededResult } from '../../core/saga/status';
import type { Saga } from './saga';

/**
 * A saga's turn on the business entity it changes (sagas/workflows/entity-lock.ts hands them out). Taken after
 * the event is read and before the first step; given back when the saga has ended, compensation
 * included, whether it completed, failed or was cancelled.
 */

/** The entity a saga changes, and its event's time by the vendor's clock (epoch ms), when it has one. */
export interface EntityRef {
  /** e.g. `turvo-shipment:98765`. Sagas naming the same key take turns. */
  key: string;
  /** Whose clock `at` is read from (`turvo`, `samsara`, `front`): times of different vendors are never compared. */
  clock: string;
  /** Absent: the saga waits its turn but is never superseded (an event that adds rather than overwrites). */
  at?: number;
}

/** Patch marker: sagas started before entity order existed replay without asking for a turn. */
export const ENTITY_TURN_PATCH = 'entity-turn-order';
/** A request not answered in this long is sent again (the lock may have been terminated or reset). */
const ASK_AGAIN_AFTER = '2 minutes';

const lock = proxyActivities<EntityLockActivities>(ENTITY_LOCK_CALL);

/**
 * The entities sagas change, named once: sagas naming the same key take turns (the Turvo status saga
 * and the proof-of-delivery saga both change a shipment).
 */
export const entities = {
  turvoShipment: (shipmentId: string) => `turvo-shipment:${shipmentId}`,
  turvoStop: (shipmentId: string, stopId: string) => `turvo-stop:${shipmentId}/${stopId}`,
  frontConversation: (conversationId: string) => `front-conversation:${conversationId}`,
};

/** A vendor's time as epoch ms; undefined when absent or unparseable (the event then only waits its turn). */
export function vendorTime(value: string | number | undefined, unit: 'ms' | 's' = 'ms'): number | undefined {
  const ms = typeof value === 'number' ? value * (unit === 's' ? 1000 : 1) : typeof value === 'string' ? Date.parse(value) : NaN;
  return Number.isFinite(ms) ? ms : undefined;
}

/**
 * Waits for the saga's turn on `entity`. Resolves undefined when the saga may go ahead, or with the
 * result the saga returns unchanged when a newer event was already applied to the entity.
 */
export async function takeEntityTurn(saga: Saga, entity: EntityRef): Promise<SupersededResult | undefined> {
  if (!patched(ENTITY_TURN_PATCH)) return undefined;
  const { workflowId, taskQueue } = workflowInfo();
  const lockId = entityLockId(taskQueue, entity.key);
  const request: TurnRequest = { workflowId, ticket: uuid4(), clock: entity.clock, ...(entity.at !== undefined ? { at: entity.at } : {}) };

  let answer: TurnAnswer | undefined;
  // The lock sends the grant again to check a holder is alive: only the first answer counts, and
  // only one to this request (a Reset re-applies the old run's signals).
  setHandler(turnSignal, (a) => {
    if (a.ticket === request.ticket) answer ??= a;
  });
  // Registered before asking, so a saga cancelled while it waits still leaves the queue.
  saga.onEnd(async (outcome) => {
    if (answer && !answer.granted) return;
    const release = { workflowId, applied: outcome === 'completed' };
    // A lock that is gone has nothing to release.
    await getExternalWorkflowHandle(lockId).signal(releaseTurnSignal, release).catch(() => undefined);
  });

  while (answer === undefined) {
    await lock.requestEntityTurn(lockId, entity.key, request);
    await condition(() => answer !== undefined, ASK_AGAIN_AFTER);
  }
  const decided = answer as TurnAnswer;
  if (decided.granted) return undefined;
  return {
    superseded: {
      entity: entity.key,
      at: new Date(entity.at!).toISOString(),
      newestAt: new Date(decided.newest.at).toISOString(),
      by: decided.newest.workflowId,
    },
  };
}
