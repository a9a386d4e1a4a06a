/**
 * Vendor events as a source passes them to a saga: the one definition the source's parser checks
 * and the saga reads. Fields beyond those named are kept as sent. Workflow-safe: types only.
 */

/** A Front event (https://dev.frontapp.com/reference/events): the same object in both webhook modes. */
export interface FrontEvent {
  /** `evt_…`: the dedup key. */
  id: string;
  /** inbound, outbound, out_reply, assign, unassign, archive, reopen, tag, untag, comment, mention, move, … */
  type: string;
  emitted_at?: number;
  conversation?: { id: string; subject?: string; status?: string; [field: string]: unknown };
  source?: { _meta?: { type?: string }; data?: unknown };
  target?: { _meta?: { type?: string }; data?: { id?: string; subject?: string; text?: string; blurb?: string; body?: string; [field: string]: unknown } };
  _links?: { self?: string };
  [field: string]: unknown;
}

/** Front application webhook envelope: `{ type: <subscription>, authorization: { id: cmp_… }, payload: <event> }`. */
export interface FrontAppEnvelope {
  type: string;
  authorization?: { id: string };
  payload: FrontEvent;
}

/** A Turvo webhook body as integrators have seen it; Turvo's reference is not public (sources/turvo/README.md). */
export interface TurvoEvent {
  eventName: string;
  tenantId?: number | string;
  eventPayload: TurvoEntity;
  [field: string]: unknown;
}

export interface TurvoEntity {
  id?: number | string;
  customId?: string;
  status?: { code?: { key?: string; value?: string } };
  /** When the entity was last changed (field name as seen in integrators' notes; optional). */
  lastUpdatedOn?: string;
  [field: string]: unknown;
}
