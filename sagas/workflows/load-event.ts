import { proxyActivities } from '@temporalio/workflow';
import type { PayloadActivities } from '../activities/payloads';
import { PAYLOAD_READ } from './policies';
import { isEventRef, type SagaArgs } from '../../core/saga/input';

const payloads = proxyActivities<PayloadActivities>(PAYLOAD_READ);

/**
 * The saga's event, loaded through an activity when the receiver passed a reference. Call it once at
 * the start of a saga: `const event = await loadEvent(input)`. The loaded event lands in the history
 * as the activity's result, which stays far under Temporal's 2 MB payload limit for any body under
 * BODY_LIMIT (1 MiB by default).
 */
export async function loadEvent<E>(input: SagaArgs<E>): Promise<E> {
  if (isEventRef(input)) return (await payloads.loadEventPayload(input.eventRef)) as E;
  return input.event;
}
