import { sagaInput } from '../../scripts/lib/saga-events';
import { defineSagaContract } from './support/saga-contract';

describe('recordEventSaga (any event a config-only source accepts)', () => {
  defineSagaContract({
    workflowType: 'recordEventSaga',
    input: () => sagaInput({ appointmentId: 'APT-5521', status: 'checked_in', dock: 3 }, { source: 'yard', eventType: 'appointment.checked_in' }),
    steps: [{ name: 'recordEvent', calls: ['POST /events [recordEvent]'], undo: ['DELETE /events?idempotency_key=recordEvent [recordEvent/undo]'] }],
    result: { recordId: 'evr_1' },
  });
});
