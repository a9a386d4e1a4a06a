/**
 * The sandbox's starting data, matching the fixtures in sources/ (Samsara route stop 8219403 →
 * Turvo shipment 98765 / stop STOP-2; Front conversation cnv_55c8c149 about "S-1001").
 */
export interface Status {
  code: { key: string; value: string };
}

export interface SeedShipment {
  id: string;
  customId: string;
  loadNumber?: string;
  status: Status;
  stops: { id: string; status: Status }[];
}

export interface SeedLinks {
  shipmentId: string;
  frontConversationId?: string;
  customerContact?: { name: string; email: string };
}

export interface Seed {
  shipments: SeedShipment[];
  links: SeedLinks[];
  conversations: { id: string; subject: string; tags: string[] }[];
}

const EN_ROUTE: Status = { code: { key: '2101', value: 'En route' } };
const PLANNED: Status = { code: { key: '2100', value: 'Planned' } };

export function defaultSeed(): Seed {
  return {
    shipments: [
      {
        id: '98765',
        customId: 'S-1001',
        loadNumber: 'L-7781',
        status: EN_ROUTE,
        stops: [
          { id: 'STOP-1', status: { code: { key: '2105', value: 'Departed stop' } } },
          { id: 'STOP-2', status: EN_ROUTE },
        ],
      },
      { id: '98766', customId: 'S-1002', loadNumber: 'L-7782', status: PLANNED, stops: [{ id: 'STOP-1', status: PLANNED }] },
    ],
    links: [
      {
        shipmentId: '98765',
        frontConversationId: 'cnv_55c8c149',
        customerContact: { name: 'Dana Reyes', email: 'dana@customer.test' },
      },
      // Known to records but with no conversation yet: a Front inbound message about S-1002 links one.
      { shipmentId: '98766', customerContact: { name: 'Lee Park', email: 'lee@customer.test' } },
    ],
    conversations: [
      { id: 'cnv_55c8c149', subject: 'Load S-1001 - delivery appointment Aurora', tags: [] },
      { id: 'cnv_6b2d9e07', subject: 'Where is shipment S-1002?', tags: [] },
    ],
  };
}
