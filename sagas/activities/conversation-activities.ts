import { undoKey, type IdempotencyKey } from '../../core/saga/keys';
import type { Clients } from '../clients';

/** Front activities: comments and tags on conversations, each with its inverse. */
export function createConversationActivities({ front }: Pick<Clients, 'front'>) {
  return {
    async addConversationComment(conversationId: string, body: string, key: IdempotencyKey): Promise<string> {
      const comment = await front.addComment(conversationId, body, key);
      return comment.id;
    },

    async deleteConversationComment(conversationId: string, key: string): Promise<void> {
      await front.deleteCommentByKey(conversationId, key, undoKey(key));
    },

    async tagConversation(conversationId: string, tagId: string, key: IdempotencyKey): Promise<void> {
      await front.addTag(conversationId, tagId, key);
    },

    async untagConversation(conversationId: string, key: string): Promise<void> {
      await front.removeTagsByKey(conversationId, key, undoKey(key));
    },
  };
}
