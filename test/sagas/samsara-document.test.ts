import { documentSubmitted } from '../../scripts/lib/saga-events';
import { defineSagaContract } from './support/saga-contract';

describe('samsaraDocumentSaga (DocumentSubmitted, proof of delivery)', () => {
  defineSagaContract({
    workflowType: 'samsaraDocumentSaga',
    input: documentSubmitted,
    steps: [
      { name: 'lookupShipmentLinks', calls: ['GET /shipments/98765/links [-]'] },
      {
        name: 'downloadDocument',
        calls: [
          'GET /fleet/documents/5e8c2a7f-1d4b-4c39-b6a0-9f2e7d1c3a58/pdf [-]',
          'POST /documents?name=Proof of Delivery - Aurora Cold Storage&shipmentId=98765 [downloadDocument]',
        ],
      },
      {
        name: 'attachToTurvo',
        calls: ['GET /documents/doc_1/content [-]', 'POST /shipments/98765/attachments?name=Proof of Delivery - Aurora Cold Storage [attachToTurvo]'],
        undo: ['DELETE /shipments/98765/attachments?idempotency_key=attachToTurvo [attachToTurvo/undo]'],
      },
      {
        name: 'markDelivered',
        calls: ['PUT /shipments/98765/status [markDelivered]'],
        undo: ['PUT /shipments/98765/status [markDelivered/undo]'],
      },
      {
        name: 'postToFront',
        calls: ['POST /conversations/cnv_55c8c149/comments [postToFront]'],
        undo: ['DELETE /conversations/cnv_55c8c149/comments?idempotency_key=postToFront [postToFront/undo]'],
      },
    ],
    result: { shipmentId: '98765', archiveId: 'doc_1', attachmentId: 'att_1', markedDelivered: true, commentId: 'com_1' },
  });
});
