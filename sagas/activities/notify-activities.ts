import type { IdempotencyKey } from '../../core/saga/keys';
import type { Clients } from '../clients';

/** Customer notifications: sent last in a saga, because an e-mail cannot be taken back. */
export function createNotifyActivities({ notify }: Pick<Clients, 'notify'>) {
  return {
    async notifyCustomer(to: string, subject: string, text: string, key: IdempotencyKey): Promise<string> {
      const message = await notify.send(to, subject, text, key);
      return message.id;
    },
  };
}
