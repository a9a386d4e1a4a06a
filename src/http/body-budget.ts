import type { IncomingMessage } from 'node:http';
import { RateLimitedError, ServiceUnavailableError } from '../../core/errors';
import { bodyBytesInFlight } from '../metrics';

export interface BodyBudgetOptions {
  /** Bytes of request bodies all deliveries in this process may hold at once. */
  totalBytes: number;
  /** Of those, what one client address may hold. */
  perClientBytes: number;
}

/** What a delivery may hold while in flight: its declared length, or the whole limit when it declares none (chunked). */
export function expectedBytes(req: IncomingMessage, bodyLimit: number): number {
  const declared = Number(req.headers['content-length']);
  return Number.isSafeInteger(declared) && declared >= 0 ? Math.min(declared, bodyLimit) : bodyLimit;
}

/**
 * The memory deliveries may hold, per process and per client address. Each delivery reserves its
 * body's size before a byte of it is read and gives it back when answered. Without it, enough slow
 * uploads of large bodies (each within the body limit and the read timeout) fill the heap and take
 * the process, and every vendor's deliveries in it, down. A client holding its share is answered
 * 429 `too_much_in_flight`, so a staller on its own address only refuses itself; when the process
 * holds its whole budget, 503 `busy`. Both before the body is read, both with Retry-After: nothing
 * was accepted, and the vendor retries.
 */
export function bodyBudget({ totalBytes, perClientBytes }: BodyBudgetOptions) {
  let held = 0;
  const byClient = new Map<string, number>();
  return {
    /** Reserves `bytes` for `client`, or throws; the returned function gives them back (once). */
    reserve(client: string, bytes: number): () => void {
      const mine = byClient.get(client) ?? 0;
      if (mine + bytes > perClientBytes) throw new RateLimitedError(1, 'too_much_in_flight');
      if (held + bytes > totalBytes) throw new ServiceUnavailableError('busy', 1);
      held += bytes;
      byClient.set(client, mine + bytes);
      bodyBytesInFlight.set(held);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        held -= bytes;
        const left = (byClient.get(client) ?? bytes) - bytes;
        if (left > 0) byClient.set(client, left);
        else byClient.delete(client);
        bodyBytesInFlight.set(held);
      };
    },
  };
}

export type BodyBudget = ReturnType<typeof bodyBudget>;
