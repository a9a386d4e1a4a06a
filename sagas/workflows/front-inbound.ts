import { ApplicationFailure } from '@temporalio/workflow';
import { act, undo } from './activity-proxies';
import { entities, takeEntityTurn, vendorTime } from './entity-turn';
import type { SupersededResult } from '../../core/saga/status';
import { loadEvent } from './load-event';
import { type SagaArgs } from '../../core/saga/input';
import { runSaga } from './saga';
import type { ShipmentMatch, ShipmentRef } from '../activities';
import type { FrontAppEnvelope, FrontEvent } from '../../core/saga/events';
import { PERMANENT_FAILURE } from '../../core/saga/failures';

export interface FrontInboundResult {
  conversationId: string;
  references: ShipmentRef[];
  shipment: ShipmentMatch | null;
}

/** The Front tag for a conversation linked to a shipment (tag ids: see sagas/clients/front.ts). */
export const SHIPMENT_LINKED_TAG = 'shipment-linked';
/** Only the start of a long message is searched: references sit in the subject and first lines. */
const MAX_SCANNED_CHARS = 10_000;

/** The event, whichever webhook kind the source passed on. */
export function frontEventOf(body: FrontEvent | FrontAppEnvelope): FrontEvent {
  return 'payload' in body && body.payload ? (body as FrontAppEnvelope).payload : (body as FrontEvent);
}

/**
 * Shipment references in a customer's words, most specific first: a Turvo custom id (`S-1001`), a
 * load number (`load #L-7781`, `load number 7781`), a shipment number (`shipment #98765`).
 */
export function shipmentReferences(text: string): ShipmentRef[] {
  const scanned = text.slice(0, MAX_SCANNED_CHARS);
  const found: ShipmentRef[] = [];
  const add = (kind: ShipmentRef['kind'], value: string) => {
    if (!found.some((r) => r.kind === kind && r.value === value)) found.push({ kind, value });
  };
  for (const m of scanned.matchAll(/\bS-\d{3,}\b/gi)) add('customId', m[0].toUpperCase());
  for (const m of scanned.matchAll(/\bload\s*(?:#|no\.?|number|num\.?)?\s*:?\s*([A-Z]*-?\d{3,})\b/gi)) add('loadNumber', m[1]!.toUpperCase());
  for (const m of scanned.matchAll(/\bshipment\s*(?:#|no\.?|number|id)?\s*:?\s*(\d{3,})\b/gi)) add('shipmentId', m[1]!);
  return found;
}

function messageText(event: FrontEvent): string {
  const message = event.target?.data;
  const body = message?.text ?? message?.blurb ?? message?.body?.replace(/<[^>]*>/g, ' ') ?? '';
  return [event.conversation?.subject, message?.subject, body].filter(Boolean).join('\n');
}

/**
 * Front inbound message:
 *   findShipment       the shipment the message refers to, through Turvo (read only)
 *   linkConversation   link the conversation to it in records    undo: unlink (restore the old link)
 *   tagConversation    tag the conversation `shipment-linked`    undo: remove that tag
 * A message naming no shipment, or one Turvo does not know, completes with nothing changed.
 */
export async function frontInboundSaga(input: SagaArgs<FrontEvent | FrontAppEnvelope>): Promise<FrontInboundResult | SupersededResult> {
  return runSaga('frontInboundSaga', async (saga) => {
    const event = frontEventOf(await loadEvent(input));
    const conversationId = event.conversation?.id;
    if (!conversationId) throw ApplicationFailure.nonRetryable('Front event has no conversation', PERMANENT_FAILURE.MalformedEvent);
    const references = shipmentReferences(messageText(event));

    const result: FrontInboundResult = { conversationId, references, shipment: null };
    if (references.length === 0) return result;
    // One linking saga at a time per conversation, in Front's order (emitted_at, in seconds).
    const superseded = await takeEntityTurn(saga, { key: entities.frontConversation(conversationId), clock: 'front', at: vendorTime(event.emitted_at, 's') });
    if (superseded) return superseded;

    const shipment = await saga.step('findShipment', () => act.findShipment(references));
    if (!shipment) return result;
    result.shipment = shipment;

    await saga.step('linkConversation', (key) => act.linkConversation(shipment.shipmentId, conversationId, key), {
      undo: (_none, key) => undo.unlinkConversation(shipment.shipmentId, key),
    });

    await saga.step('tagConversation', (key) => act.tagConversation(conversationId, SHIPMENT_LINKED_TAG, key), {
      undo: (_none, key) => undo.untagConversation(conversationId, key),
    });
    return result;
  });
}
