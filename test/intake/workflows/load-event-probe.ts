import { loadEvent } from '../../../sagas/workflows/load-event';
import { isEventRef, type SagaArgs } from '../../../core/saga/input';

/** A test workflow doing what a saga does first: resolve its event, whether inline or by reference. */
export async function loadEventProbe(input: SagaArgs<{ eventId: string; data: { pad?: string } }>) {
  const event = await loadEvent(input);
  return { eventId: event.eventId, padLength: event.data.pad?.length ?? 0, viaRef: isEventRef(input) };
}
