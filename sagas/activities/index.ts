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
import { activityAttempt, activitySignal, reportAttempts } from './report';
import type { OutagePolicy } from '../clients/http';
import { createShipmentActivities } from './shipment-activities';

export type { StopRef, ShipmentRef, ShipmentMatch } from './shipment-activities';
export type { Clients } from '../clients';

/** Each downstream's URL, token and outage patience (OutagePolicy: the default when absent). */
export interface DownstreamConfig {
  turvo: { baseUrl: string; token: string; outage?: OutagePolicy };
  front: { baseUrl: string; token: string; outage?: OutagePolicy };
  samsara: { baseUrl: string; token: string; outage?: OutagePolicy };
  records: { baseUrl: string; outage?: OutagePolicy };
  notify: { baseUrl: string; token: string; outage?: OutagePolicy };
}

export function createClients(config: DownstreamConfig): Clients {
  // A cancelled activity (worker shutdown) aborts its HTTP call instead of waiting for the answer;
  // the attempt and first scheduling time bound how long an outage is waited out.
  const activity = { cancellation: activitySignal, attempt: activityAttempt };
  return {
    turvo: new TurvoClient({ ...config.turvo, ...activity }),
    front: new FrontClient({ ...config.front, ...activity }),
    samsara: new SamsaraClient({ ...config.samsara, ...activity }),
    records: new RecordsClient({ ...config.records, ...activity }),
    notify: new NotifyClient({ ...config.notify, ...activity }),
  };
}

/**
 * Activities, built from injected clients so tests and the sandbox can point them anywhere. Undo
 * activities are named as the inverse of their step. Each reports the attempt it ran as and, for a
 * write, the key it wrote under (`{ value, attempt, key }`, see ./report.ts): the saga's timeline
 * shows the attempts, and an undo reverses the key recorded in history.
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
