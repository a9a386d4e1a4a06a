import getRawBody from 'raw-body';
import type { Request } from 'express';
import { MalformedPayloadError, PayloadTooLargeError } from '../errors';

/**
 * Reads the exact request bytes under a size limit. With a Content-Length over the limit, raw-body
 * refuses before reading anything; without one, it stops as soon as the limit is passed.
 */
export async function readBody(req: Request, limit: number): Promise<Buffer> {
  try {
    return await getRawBody(req, { limit, length: req.headers['content-length'] });
  } catch (err) {
    const type = (err as { type?: string }).type;
    if (type === 'entity.too.large') throw new PayloadTooLargeError('body_too_large');
    if (type === 'request.size.invalid') throw new MalformedPayloadError('content_length_mismatch');
    if (type === 'request.aborted') throw new MalformedPayloadError('request_aborted');
    throw err;
  }
}
