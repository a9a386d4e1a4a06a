import type { Logger } from '../logger';
import type { Principal } from '../ops/auth';
import type { DeliveryResult } from './metrics';
import type { ApiRoute } from './openapi';

/** What the receiver's middleware leave for each other in `res.locals`, typed once. */
declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace -- how @types/express lets an app type res.locals
  namespace Express {
    interface Locals {
      /** The delivery's logger, with its request id and source (src/http/webhooks.ts). */
      log?: Logger;
      /** How the delivery was answered, for the metrics (src/http/metrics.ts). */
      result?: DeliveryResult;
      /** Why it was refused, for the metrics (src/http/error-handler.ts). */
      rejection?: { reason: string };
      /** Who called the console (src/ops/auth.ts authenticate). */
      principal?: Principal;
      /** The console request's query and body, checked with its route's schemas (src/ops/input.ts). */
      opsInput?: { route: ApiRoute; query: unknown; body: unknown };
    }
  }
}
