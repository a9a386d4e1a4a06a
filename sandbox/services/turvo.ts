import { handle, json, raw, notFound, invalid, key, param, undoTarget, isStatus, type ServiceRoutes } from '../routing';

/** Turvo: shipments, stop and shipment status changes, attachments. */
export const turvoRoutes: ServiceRoutes = (router, { data, nextId }) => {
  router.get(
    '/shipments',
    handle((req) => {
      const { customId, loadNumber } = req.query as Record<string, string | undefined>;
      const shipments = [...data().shipments.values()].filter(
        (s) => (!customId || s.customId.toUpperCase() === customId.toUpperCase()) && (!loadNumber || s.loadNumber?.toUpperCase() === loadNumber.toUpperCase()),
      );
      return { status: 200, body: { shipments } };
    }),
  );
  router.get(
    '/shipments/:id',
    handle((req) => {
      const shipment = data().shipments.get(param(req, 'id'));
      return shipment ? { status: 200, body: { ...shipment, attachments: [...data().attachments.values()].filter((a) => a.shipmentId === shipment.id) } } : notFound('shipment');
    }),
  );
  router.put(
    '/shipments/:id/stops/:stopId/status',
    json,
    handle((req) => {
      const shipment = data().shipments.get(param(req, 'id'));
      const stop = shipment?.stops.find((s) => s.id === param(req, 'stopId'));
      if (!shipment || !stop) return notFound('stop');
      if (!isStatus(req.body)) return invalid('body must be a status {code:{key,value}}');
      const change = { shipmentId: shipment.id, stopId: stop.id, previous: stop.status, current: req.body };
      stop.status = req.body;
      const k = key(req);
      if (k) data().stopChanges.set(k, change);
      return { status: 200, body: { previous: change.previous, current: change.current } };
    }),
  );
  router.get(
    '/shipments/:id/stops/:stopId/status-changes/:key',
    handle((req) => {
      const change = data().stopChanges.get(param(req, 'key'));
      if (!change || change.shipmentId !== param(req, 'id') || change.stopId !== param(req, 'stopId')) return notFound('change');
      return { status: 200, body: { previous: change.previous, current: change.current } };
    }),
  );
  router.put(
    '/shipments/:id/status',
    json,
    handle((req) => {
      const shipment = data().shipments.get(param(req, 'id'));
      if (!shipment) return notFound('shipment');
      if (!isStatus(req.body)) return invalid('body must be a status {code:{key,value}}');
      const change = { shipmentId: shipment.id, previous: shipment.status, current: req.body };
      shipment.status = req.body;
      const k = key(req);
      if (k) data().statusChanges.set(k, change);
      return { status: 200, body: { previous: change.previous, current: change.current } };
    }),
  );
  router.get(
    '/shipments/:id/status-changes/:key',
    handle((req) => {
      const change = data().statusChanges.get(param(req, 'key'));
      if (!change || change.shipmentId !== param(req, 'id')) return notFound('change');
      return { status: 200, body: { previous: change.previous, current: change.current } };
    }),
  );
  router.post(
    '/shipments/:id/attachments',
    raw,
    handle((req) => {
      const shipment = data().shipments.get(param(req, 'id'));
      if (!shipment) return notFound('shipment');
      const bytes = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      if (bytes.length === 0) return invalid('empty attachment');
      const attachment = {
        id: nextId('att'),
        shipmentId: shipment.id,
        name: typeof req.query.name === 'string' ? req.query.name : 'attachment',
        contentType: req.get('content-type') ?? 'application/octet-stream',
        size: bytes.length,
        key: key(req),
      };
      data().attachments.set(attachment.id, attachment);
      return { status: 201, body: { id: attachment.id, name: attachment.name, size: attachment.size } };
    }),
  );
  router.delete(
    '/shipments/:id/attachments',
    handle((req) => {
      const target = undoTarget(req);
      if (!target) return invalid('idempotency_key query parameter required');
      for (const [id, a] of data().attachments) if (a.key === target && a.shipmentId === param(req, 'id')) data().attachments.delete(id);
      return { status: 204 };
    }),
  );
};
