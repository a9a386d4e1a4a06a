import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FrontAppEnvelope, FrontEvent, TurvoEvent } from '../../core/saga/events';
import type { SamsaraEventV2 } from '../../sources/samsara/events';
import type { SagaInput } from '../../core/saga/input';

/**
 * Sample saga inputs, for the saga tests and the history recorder (scripts/record-histories.ts).
 */

export function sagaInput<E>(event: E, meta: { source: string; eventType: string; eventKey?: string }): SagaInput<E> {
  const eventKey = meta.eventKey ?? randomUUID();
  return {
    meta: { source: meta.source, eventKey, eventType: meta.eventType, workflowId: `${meta.source}:${eventKey}`, receivedAt: '2026-11-24T17:03:00.000Z' },
    event,
  };
}

/** Saga inputs built from the vendors' fixtures (Samsara) or from the shapes the sources' READMEs describe (Turvo, Front). */
export function samsaraEvent(fixture: string): SamsaraEventV2 {
  return JSON.parse(readFileSync(join(__dirname, '..', '..', 'sources', 'samsara', 'fixtures', `${fixture}.json`), 'utf8')) as SamsaraEventV2;
}

export const routeStopArrival = () => {
  const event = samsaraEvent('route-stop-arrival');
  return sagaInput(event, { source: 'samsara', eventType: event.eventType });
};

export const documentSubmitted = () => {
  const event = samsaraEvent('document-submitted');
  return sagaInput(event, { source: 'samsara', eventType: event.eventType });
};

export function turvoStatusEvent(status = { code: { key: '2116', value: 'Route Complete' } }, shipmentId = 98765): TurvoEvent {
  return { eventName: 'SHIPMENT_STATUS_UPDATE', tenantId: 123, eventPayload: { id: shipmentId, customId: 'S-1001', status } };
}

export const turvoStatusUpdate = () => sagaInput(turvoStatusEvent(), { source: 'turvo', eventType: 'SHIPMENT_STATUS_UPDATE' });

/** A Front inbound event as a rule webhook sends it (the body is the event). */
export function frontInboundEvent(text = 'Hi, can we move the Aurora delivery for S-1001 to 10:30 tomorrow?'): FrontEvent {
  return {
    id: 'evt_3a9f1c2b',
    type: 'inbound',
    emitted_at: 1795539738.412,
    conversation: { id: 'cnv_55c8c149', subject: 'Delivery appointment Aurora' },
    target: { _meta: { type: 'message' }, data: { id: 'msg_1q15qmtq', blurb: text } },
  };
}

/** The same event as an application webhook envelope. */
export function frontAppEnvelope(event = frontInboundEvent()): FrontAppEnvelope {
  return { type: 'inbound_received', authorization: { id: 'cmp_2f8a1' }, payload: event };
}

export const frontInbound = () => sagaInput(frontInboundEvent(), { source: 'frontapp', eventType: 'inbound' });
