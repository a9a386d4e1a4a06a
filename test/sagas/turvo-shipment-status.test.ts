import { turvoStatusUpdate } from '../../scripts/lib/saga-events';
import { defineSagaContract } from './support/saga-contract';

describe('turvoShipmentStatusSaga (SHIPMENT_STATUS_UPDATE)', () => {
  defineSagaContract({
    workflowType: 'turvoShipmentStatusSaga',
    input: turvoStatusUpdate,
    steps: [
      { name: 'lookupShipmentLinks', calls: ['GET /shipments/98765/links [-]'] },
      {
        name: 'recordStatus',
        calls: ['POST /shipments/98765/status-history [recordStatus]'],
        undo: ['DELETE /shipments/98765/status-history?idempotency_key=recordStatus [recordStatus/undo]'],
      },
      {
        name: 'tagConversation',
        calls: ['POST /conversations/cnv_55c8c149/tags [tagConversation]'],
        undo: ['DELETE /conversations/cnv_55c8c149/tags?idempotency_key=tagConversation [tagConversation/undo]'],
      },
      {
        name: 'commentOnFront',
        calls: ['POST /conversations/cnv_55c8c149/comments [commentOnFront]'],
        undo: ['DELETE /conversations/cnv_55c8c149/comments?idempotency_key=commentOnFront [commentOnFront/undo]'],
      },
    ],
    result: { shipmentId: '98765', recordId: 'sth_1', conversationId: 'cnv_55c8c149', commentId: 'com_1' },
  });
});
