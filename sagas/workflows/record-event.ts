import { act, undo } from './activity-proxies';
import { loadEvent } from './load-event';
import { type SagaArgs } from '../../core/saga/input';
import { runSaga } from './saga';

export interface RecordEventResult {
  recordId: string;
}

/**
 * Any event a source accepts but no dedicated saga handles (config-only sources, minor event types):
 *   recordEvent   keep it in the records API's event log   undo: delete it
 * A single step: its undo runs only when the write may have happened yet the step failed (a timeout).
 */
export async function recordEventSaga(input: SagaArgs): Promise<RecordEventResult> {
  return runSaga('recordEventSaga', async (saga) => {
    const event = await loadEvent(input);
    const { meta } = input;
    const record = { source: meta.source, eventType: meta.eventType, eventKey: meta.eventKey, workflowId: meta.workflowId, receivedAt: meta.receivedAt, event };
    const recordId = await saga.step('recordEvent', (key) => act.recordEvent(record, key), {
      undo: (_recordId, key) => undo.deleteEvent(key),
    });
    return { recordId };
  });
}
