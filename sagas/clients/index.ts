import type { FrontClient } from './front';
import type { NotifyClient } from './notify';
import type { RecordsClient } from './records';
import type { SamsaraClient } from './samsara';
import type { TurvoClient } from './turvo';

/** The downstream APIs the activities call, injected so tests and the sandbox can point them anywhere. */
export interface Clients {
  turvo: TurvoClient;
  front: FrontClient;
  samsara: SamsaraClient;
  records: RecordsClient;
  notify: NotifyClient;
}
