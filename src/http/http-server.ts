import { createServer, type RequestListener, type Server } from 'node:http';
import type { AppConfig } from '../config';

/**
 * The receiver's HTTP server with the limits that protect it from slow and oversized requests:
 * headers must arrive within headersTimeout and fit in maxHeaderSize (else 408 / 431), a whole
 * request within requestTimeout; idle keep-alive connections close after keepAliveTimeout.
 */
export function createHttpServer(app: RequestListener, { limits }: Pick<AppConfig, 'limits'>): Server {
  return createServer(
    {
      maxHeaderSize: limits.maxHeaderBytes,
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      // Node checks those timeouts on this interval (30 s by default): a slow client would get that much extra.
      connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs),
    },
    app,
  );
}

/** Listens and resolves with the bound port. */
export async function listen(server: Server, port: number, host: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  return typeof address === 'object' && address ? address.port : port;
}
