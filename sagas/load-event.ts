import { proxyActivities } from '@temporalio/workflow';
import type { PayloadActivities } from './activities/payloads';
import { DOWNSTREAM_CALL } from './policies';
import type { DeliveryMeta, SagaInput } from './types';

/** Where a large event was put instead of the workflow input (src/intake/payload-store.ts). */
export interface EventRef {
  store: string;
  key: string;
  bytes: number;
  sha256: string;
}

/** A saga input whose event was too large to carry: the receiver stored it and passes a reference. */
export interface SagaInputRef {
  meta: DeliveryMeta;
  eventRef: EventRef;
}

/** What a saga started by the receiver is given: the event itself, or a reference to it. */
export type SagaArgs<E = unknown> = SagaInput<E> | SagaInputRef;

const payloads = proxyActivities<PayloadActivities>(DOWNSTREAM_CALL);

export function isEventRef(input: SagaArgs): input is SagaInputRef {
  return 'eventRef' in input && input.eventRef !== undefined;
}

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
