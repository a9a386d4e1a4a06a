import { handle, json, invalid, key, param, undoTarget, type ServiceRoutes } from '../routing';

/** Front: conversations, comments and tags. */
export const frontRoutes: ServiceRoutes = (router, { data, nextId }) => {
  // Lenient on purpose: any conversation id a fixture names exists (Front's ids differ per company).
  const conversation = (id: string) => {
    let found = data().conversations.get(id);
    if (!found) data().conversations.set(id, (found = { id, subject: '(sandbox conversation)', tags: [] }));
    return found;
  };
  router.get(
    '/conversations/:id',
    handle((req) => {
      const c = conversation(param(req, 'id'));
      return { status: 200, body: { ...c, comments: [...data().comments.values()].filter((m) => m.conversationId === c.id) } };
    }),
  );
  router.post(
    '/conversations/:id/comments',
    json,
    handle((req) => {
      const body = (req.body as { body?: unknown } | undefined)?.body;
      if (typeof body !== 'string' || body === '') return invalid('body.body must be a non-empty string');
      const comment = { id: nextId('com'), conversationId: conversation(param(req, 'id')).id, body, key: key(req) };
      data().comments.set(comment.id, comment);
      return { status: 201, body: { id: comment.id, body: comment.body } };
    }),
  );
  router.delete(
    '/conversations/:id/comments',
    handle((req) => {
      const target = undoTarget(req);
      if (!target) return invalid('idempotency_key query parameter required');
      for (const [id, c] of data().comments) if (c.key === target && c.conversationId === param(req, 'id')) data().comments.delete(id);
      return { status: 204 };
    }),
  );
  router.post(
    '/conversations/:id/tags',
    json,
    handle((req) => {
      const tagIds = (req.body as { tag_ids?: unknown } | undefined)?.tag_ids;
      if (!Array.isArray(tagIds) || !tagIds.every((t) => typeof t === 'string')) return invalid('tag_ids must be an array of strings');
      const c = conversation(param(req, 'id'));
      const added = (tagIds as string[]).filter((t) => !c.tags.includes(t));
      c.tags.push(...added);
      const k = key(req);
      if (k) data().tagsAdded.set(k, { conversationId: c.id, tags: added });
      return { status: 204 };
    }),
  );
  router.delete(
    '/conversations/:id/tags',
    handle((req) => {
      const target = undoTarget(req);
      if (!target) return invalid('idempotency_key query parameter required');
      const added = data().tagsAdded.get(target);
      if (added && added.conversationId === param(req, 'id')) {
        const c = conversation(added.conversationId);
        c.tags = c.tags.filter((t) => !added.tags.includes(t));
        data().tagsAdded.delete(target);
      }
      return { status: 204 };
    }),
  );
};
