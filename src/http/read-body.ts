import getRawBody from 'raw-body';
import type { IncomingMessage } from 'node:http';
import { DeliveryError, MalformedPayloadError, PayloadTooLargeError } from '../../core/errors';

/** The body did not arrive within the body-read timeout (a slow or stalled sender): 408, connection closed. */
export class BodyTimeoutError extends DeliveryError {
  readonly status = 408;
}

/**
 * Reads the exact request bytes under a size limit and a time limit. With a Content-Length over the
 * limit, raw-body refuses before reading anything; without one, it stops as soon as the limit is
 * passed. A sender that dribbles its body is cut off after `timeoutMs`, so it cannot hold a
 * connection (and its buffer) for long.
 */
export async function readBody(req: IncomingMessage, limit: number, timeoutMs = 10_000): Promise<Buffer> {
  const reading = getRawBody(req, { limit, length: req.headers['content-length'] });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new BodyTimeoutError('body_read_timeout')), timeoutMs);
  });
  try {
    return await Promise.race([reading, timeout]);
  } catch (err) {
    const type = (err as { type?: string }).type;
    if (type === 'entity.too.large') throw new PayloadTooLargeError('body_too_large');
    if (type === 'request.size.invalid') throw new MalformedPayloadError('content_length_mismatch');
    if (type === 'request.aborted') throw new MalformedPayloadError('request_aborted');
    throw err;
  } finally {
    clearTimeout(timer);
    // After a timeout the read is abandoned; its later failure (the socket closes) is expected.
    reading.catch(() => undefined);
  }
}
