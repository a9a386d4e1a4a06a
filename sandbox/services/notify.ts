import { handle, json, invalid, type ServiceRoutes } from '../routing';

/** The notification service: e-mails to customers. */
export const notifyRoutes: ServiceRoutes = (router, { data, nextId }) => {
  router.post(
    '/messages',
    json,
    handle((req) => {
      const body = req.body as { to?: unknown; subject?: unknown; text?: unknown } | undefined;
      if (typeof body?.to !== 'string' || typeof body.subject !== 'string' || typeof body.text !== 'string') return invalid('to, subject and text required');
      const message = { id: nextId('msg'), to: body.to, subject: body.subject, text: body.text };
      data().messages.push(message);
      return { status: 202, body: { id: message.id } };
    }),
  );
  router.get(
    '/messages',
    handle(() => ({ status: 200, body: data().messages })),
  );
};
