import { ApplicationFailure } from '@temporalio/workflow';
import { act, download, undo } from './activity-proxies';
import { entities, takeEntityTurn } from './entity-turn';
import { loadEvent } from './load-event';
import { type SagaArgs } from '../../core/saga/input';
import { runSaga } from './saga';
import type { SamsaraEventV2 } from '../../sources/samsara/events';
import { PERMANENT_FAILURE } from '../../core/saga/failures';

/** The parts of a Samsara DocumentSubmitted event the saga reads. */
export interface DocumentSubmittedData {
  document?: {
    id?: string;
    name?: string;
    documentType?: { id?: string; name?: string };
    route?: { id?: string; externalIds?: Record<string, string> };
    routeStop?: { id?: string; externalIds?: Record<string, string> };
  };
  driver?: { id?: string; name?: string };
  vehicle?: { id?: string; name?: string };
}

/** Turvo's shipment status for a delivered load (Turvo's code list is not public: modelled). */
export const DELIVERED_STATUS = { code: { key: '2110', value: 'Delivered' } } as const;

export interface DocumentResult {
  shipmentId: string;
  documentId: string;
  archiveId: string;
  attachmentId: string;
  markedDelivered: boolean;
  commentId?: string;
}

/** Only a proof of delivery marks the shipment delivered; other documents are attached and noted. */
export function isProofOfDelivery(typeName: string | undefined): boolean {
  return /proof\s*of\s*delivery|\bpod\b/i.test(typeName ?? '');
}

/**
 * Samsara DocumentSubmitted (proof of delivery):
 *   lookupShipmentLinks  the shipment's Front conversation (records)
 *   downloadDocument     stream the PDF from Samsara with heartbeats, archive it in records
 *   attachToTurvo        attach it to the Turvo shipment     undo: delete the attachment
 *   markDelivered        set the shipment Delivered (POD)    undo: restore the previous status
 *   postToFront          comment on the conversation         undo: delete it
 * The document names its Turvo shipment in its route stop's (or route's) `externalIds.turvoShipmentId`.
 */
export async function samsaraDocumentSaga(input: SagaArgs<SamsaraEventV2>): Promise<DocumentResult> {
  return runSaga('samsaraDocumentSaga', async (saga) => {
    const event = await loadEvent(input);
    const { document: doc, driver } = event.data as DocumentSubmittedData;
    const documentId = doc?.id;
    const shipmentId = doc?.routeStop?.externalIds?.turvoShipmentId ?? doc?.route?.externalIds?.turvoShipmentId;
    if (!documentId) throw ApplicationFailure.nonRetryable('DocumentSubmitted event has no document id', PERMANENT_FAILURE.MalformedEvent);
    if (!shipmentId) throw ApplicationFailure.nonRetryable('document has no turvoShipmentId external id', PERMANENT_FAILURE.UnmappedDocument);
    const name = doc.name ?? `Samsara document ${documentId}`;
    const pod = isProofOfDelivery(doc.documentType?.name);
    // Takes turns with the shipment's other sagas (a POD sets its status), but with no time: a
    // document adds to the shipment rather than overwriting it, so it is never superseded.
    await takeEntityTurn(saga, { key: entities.turvoShipment(shipmentId), clock: 'samsara' });

    const links = await saga.step('lookupShipmentLinks', () => act.getShipmentLinks(shipmentId));

    const file = await saga.step('downloadDocument', (key) => download.downloadDocument({ documentId, name, shipmentId }, key));

    const attachmentId = await saga.step('attachToTurvo', (key) => act.attachDocument(shipmentId, file, key), {
      undo: (_attachmentId, key) => undo.deleteAttachment(shipmentId, key),
    });

    if (pod) {
      await saga.step('markDelivered', (key) => act.updateShipmentStatus(shipmentId, DELIVERED_STATUS, key), {
        undo: (previous, key) => undo.restoreShipmentStatus(shipmentId, key, previous),
      });
    }

    const result: DocumentResult = { shipmentId, documentId, archiveId: file.id, attachmentId, markedDelivered: pod };
    const conversationId = links.frontConversationId;
    if (conversationId) {
      const what = pod ? 'Proof of delivery received; shipment marked Delivered' : `Document received: ${name}`;
      const text = `${what} (${name}, ${file.size} bytes, signed off by driver ${driver?.name ?? driver?.id ?? 'unknown'}).`;
      result.commentId = await saga.step('postToFront', (key) => act.addConversationComment(conversationId, text, key), {
        undo: (_commentId, key) => undo.deleteConversationComment(conversationId, key),
      });
    }
    return result;
  });
}
