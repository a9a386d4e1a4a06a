import type { Seed, SeedLinks, Status } from './seed';

/** All mutable data, rebuilt from the seed on reset. */
export function initialData(seed: Seed) {
  return {
    shipments: new Map(seed.shipments.map((s) => [s.id, structuredClone(s)])),
    stopChanges: new Map<string, { shipmentId: string; stopId: string; previous: Status; current: Status }>(),
    statusChanges: new Map<string, { shipmentId: string; previous: Status; current: Status }>(),
    attachments: new Map<string, { id: string; shipmentId: string; name: string; contentType: string; size: number; key?: string }>(),
    conversations: new Map(seed.conversations.map((c) => [c.id, { ...c, tags: [...c.tags] }])),
    comments: new Map<string, { id: string; conversationId: string; body: string; key?: string }>(),
    tagsAdded: new Map<string, { conversationId: string; tags: string[] }>(),
    links: new Map<string, SeedLinks>(seed.links.map((l) => [l.shipmentId, structuredClone(l)])),
    linkChanges: new Map<string, { shipmentId: string; previous?: string }>(),
    statusHistory: new Map<string, { id: string; shipmentId: string; status: Status; source: string; at: string; key?: string }>(),
    events: new Map<string, { id: string; key?: string; [field: string]: unknown }>(),
    documents: new Map<string, { id: string; name: string; shipmentId: string; contentType: string; bytes: Buffer; sha256: string }>(),
    messages: [] as { id: string; to: string; subject: string; text: string }[],
    counters: new Map<string, number>(),
  };
}

export type SandboxData = ReturnType<typeof initialData>;

/** The data as JSON: binary documents as their size and digest. */
export function snapshot(data: SandboxData) {
  return {
    turvo: {
      shipments: [...data.shipments.values()],
      attachments: [...data.attachments.values()],
    },
    front: {
      conversations: [...data.conversations.values()],
      comments: [...data.comments.values()],
    },
    records: {
      links: [...data.links.values()],
      statusHistory: [...data.statusHistory.values()],
      events: [...data.events.values()].map(({ id, key, source, eventType, eventKey, workflowId }) => ({ id, key, source, eventType, eventKey, workflowId })),
      documents: [...data.documents.values()].map(({ id, name, shipmentId, contentType, bytes, sha256 }) => ({ id, name, shipmentId, contentType, size: bytes.length, sha256 })),
    },
    notify: { messages: data.messages },
  };
}
