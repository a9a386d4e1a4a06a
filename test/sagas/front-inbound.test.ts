import { frontInbound } from '../../scripts/lib/saga-events';
import { defineSagaContract } from './support/saga-contract';

describe('frontInboundSaga (inbound message naming S-1001)', () => {
  defineSagaContract({
    workflowType: 'frontInboundSaga',
    input: frontInbound,
    steps: [
      { name: 'findShipment', calls: ['GET /shipments?customId=S-1001 [-]'] },
      {
        name: 'linkConversation',
        calls: ['PUT /shipments/98765/links/front-conversation [linkConversation]'],
        undo: ['DELETE /shipments/98765/links/front-conversation?idempotency_key=linkConversation [linkConversation/undo]'],
      },
      {
        name: 'tagConversation',
        calls: ['POST /conversations/cnv_55c8c149/tags [tagConversation]'],
        undo: ['DELETE /conversations/cnv_55c8c149/tags?idempotency_key=tagConversation [tagConversation/undo]'],
      },
    ],
    result: { conversationId: 'cnv_55c8c149', shipment: { shipmentId: '98765', customId: 'S-1001', matchedBy: { kind: 'customId', value: 'S-1001' } } },
  });
});
