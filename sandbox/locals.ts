import type { RecordedRequest, Reply } from './types';

/** What the sandbox's interceptor leaves for the service routes in `res.locals` (sandbox/app.ts, routing.ts). */
declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace -- how @types/express lets an app type res.locals
  namespace Express {
    interface Locals {
      /** The recorded request, to add the body the route parsed. */
      record?: RecordedRequest;
      /** Keeps a successful write's answer under its idempotency key. */
      remember?: (reply: Reply) => void;
      /** A delay fault: do the work now, answer this much later. */
      delayMs?: number;
    }
  }
}
