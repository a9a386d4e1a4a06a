import { createHash } from 'node:crypto';
import { handle, json, raw, notFound, invalid, key, param, undoTarget, isStatus, type ServiceRoutes } from '../routing';

/** The records API: shipment links, status history, the event log, documents. */
export const recordsRoutes: ServiceRoutes = (router, { data, nextId }) => {
  router.get(
    '/shipments/:id/links',
    handle((req) => {
      const links = data().links.get(param(req, 'id'));
      return links ? { status: 200, body: links } : notFound('links');
    }),
  );
  router.put(
    '/shipments/:id/links/front-conversation',
    json,
    handle((req) => {
      const conversationId = (req.body as { conversationId?: unknown } | undefined)?.conversationId;
      if (typeof conversationId !== 'string' || !conversationId) return invalid('conversationId required');
      const shipmentId = param(req, 'id');
      const links = data().links.get(shipmentId) ?? { shipmentId };
      const previous = links.frontConversationId;
      links.frontConversationId = conversationId;
      data().links.set(shipmentId, links);
      const k = key(req);
      if (k) data().linkChanges.set(k, { shipmentId, ...(previous ? { previous } : {}) });
      return { status: 200, body: links };
    }),
  );
  router.delete(
    '/shipments/:id/links/front-conversation',
    handle((req) => {
      const target = undoTarget(req);
      if (!target) return invalid('idempotency_key query parameter required');
      const change = data().linkChanges.get(target);
      const links = data().links.get(param(req, 'id'));
      if (change && links && change.shipmentId === links.shipmentId) {
        if (change.previous) links.frontConversationId = change.previous;
        else delete links.frontConversationId;
        data().linkChanges.delete(target);
      }
      return { status: 204 };
    }),
  );
  router.get(
    '/shipments/:id/status-history',
    handle((req) => ({ status: 200, body: [...data().statusHistory.values()].filter((e) => e.shipmentId === param(req, 'id')) })),
  );
  router.post(
    '/shipments/:id/status-history',
    json,
    handle((req) => {
      const body = req.body as { status?: unknown; source?: unknown; at?: unknown } | undefined;
      if (!isStatus(body?.status) || typeof body?.source !== 'string' || typeof body?.at !== 'string') return invalid('status, source and at required');
      const entry = { id: nextId('sth'), shipmentId: param(req, 'id'), status: body.status, source: body.source, at: body.at, key: key(req) };
      data().statusHistory.set(entry.id, entry);
      return { status: 201, body: { id: entry.id } };
    }),
  );
  router.delete(
    '/shipments/:id/status-history',
    handle((req) => {
      const target = undoTarget(req);
      if (!target) return invalid('idempotency_key query parameter required');
      for (const [id, e] of data().statusHistory) if (e.key === target && e.shipmentId === param(req, 'id')) data().statusHistory.delete(id);
      return { status: 204 };
    }),
  );
  router.get(
    '/events',
    handle(() => ({ status: 200, body: [...data().events.values()] })),
  );
  router.post(
    '/events',
    json,
    handle((req) => {
      const body = req.body as Record<string, unknown> | undefined;
      if (!body || typeof body.source !== 'string' || typeof body.eventKey !== 'string') return invalid('source and eventKey required');
      const event = { ...body, id: nextId('evr'), key: key(req) };
      data().events.set(event.id, event);
      return { status: 201, body: { id: event.id } };
    }),
  );
  router.delete(
    '/events',
    handle((req) => {
      const target = undoTarget(req);
      if (!target) return invalid('idempotency_key query parameter required');
      for (const [id, e] of data().events) if (e.key === target) data().events.delete(id);
      return { status: 204 };
    }),
  );
  router.post(
    '/documents',
    raw,
    handle((req) => {
      const bytes = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      if (bytes.length === 0) return invalid('empty document');
      const doc = {
        id: nextId('doc'),
        name: typeof req.query.name === 'string' ? req.query.name : 'document',
        shipmentId: typeof req.query.shipmentId === 'string' ? req.query.shipmentId : '',
        contentType: req.get('content-type') ?? 'application/octet-stream',
        bytes,
        sha256: createHash('sha256').update(bytes).digest('hex'),
      };
      data().documents.set(doc.id, doc);
      return { status: 201, body: { id: doc.id, size: bytes.length, sha256: doc.sha256 } };
    }),
  );
  router.get('/documents/:id/content', (req, res) => {
    const doc = data().documents.get(param(req, 'id'));
    if (!doc) {
      res.status(404).json({ error: 'not_found' });
      return;
    }
    res.status(200).type(doc.contentType).send(doc.bytes);
  });
};
