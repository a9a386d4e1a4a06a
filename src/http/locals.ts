import type { Principal } from '../ops/auth';
import type { ApiRoute } from './openapi';

/** What the receiver's middleware leave for each other in `res.locals`, typed once. */
declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace -- how @types/express lets an app type res.locals
  namespace Express {
    interface Locals {
      /** Who called the console (src/ops/auth.ts authenticate). */
      principal?: Principal;
      /** The console request's query and body, checked with its route's schemas (src/ops/input.ts). */
      opsInput?: { route: ApiRoute; query: unknown; body: unknown };
    }
  }
}
