import { FrontClient } from '../clients/front';
import { NotifyClient } from '../clients/notify';
import { RecordsClient } from '../clients/records';
import { SamsaraClient } from '../clients/samsara';
import { TurvoClient } from '../clients/turvo';
import type { Clients } from '../clients';
import { createConversationActivities } from './conversation-activities';
import { createDocumentActivities } from './document-activities';
import { createNotifyActivities } from './notify-activities';
import { createRecordsActivities } from './records-activities';
import { activitySignal, reportAttempts } from './report';
import { createShipmentActivities } from './shipment-activities';

export type { StopRef, ShipmentRef, ShipmentMatch } from './shipment-activities';
export type { Clients } from '../clients';

export interface DownstreamConfig {
  turvo: { baseUrl: string; token: string };
  front: { baseUrl: string; token: string };
  samsara: { baseUrl: string; token: string };
  records: { baseUrl: string };
  notify: { baseUrl: string; token: string };
}

export function createClients(config: DownstreamConfig): Clients {
  // A cancelled activity (worker shutdown) aborts its HTTP call instead of waiting for the answer.
  const cancellation = activitySignal;
  return {
    turvo: new TurvoClient({ ...config.turvo, cancellation }),
    front: new FrontClient({ ...config.front, cancellation }),
    samsara: new SamsaraClient({ ...config.samsara, cancellation }),
    records: new RecordsClient({ ...config.records, cancellation }),
    notify: new NotifyClient({ ...config.notify, cancellation }),
  };
}

/**
 * Activities, built from injected clients so tests and the sandbox can point them anywhere. Undo
 * activities are named as the inverse of their step. Each reports the attempt it ran as
 * (`{ value, attempt }`, see ./report.ts), for the saga's status timeline.
 */
export function createActivities(clients: Clients) {
  return reportAttempts({
    ...createRecordsActivities(clients),
    ...createShipmentActivities(clients),
    ...createConversationActivities(clients),
    ...createDocumentActivities(clients),
    ...createNotifyActivities(clients),
  });
}

export type Activities = ReturnType<typeof createActivities>;
