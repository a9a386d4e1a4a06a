import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { register } from 'prom-client';

export interface WorkerMetricsServerOptions {
  port: number;
  host: string;
  /** The SDK core's own Prometheus endpoint (Runtime telemetry), appended to /metrics when set. */
  coreMetricsUrl?: string;
  /** True while the worker polls its task queue. */
  isReady: () => boolean;
}

async function answer(req: IncomingMessage, res: ServerResponse, options: WorkerMetricsServerOptions): Promise<void> {
  if (req.url === '/healthz') {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
  } else if (req.url === '/readyz') {
    const ready = options.isReady();
    res.writeHead(ready ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify({ status: ready ? 'ready' : 'not_polling' }));
  } else if (req.url === '/metrics') {
    let core = '';
    if (options.coreMetricsUrl) {
      try {
        core = await (await fetch(options.coreMetricsUrl, { signal: AbortSignal.timeout(2000) })).text();
      } catch {
        core = '# temporal core metrics unavailable\n';
      }
    }
    res.writeHead(200, { 'content-type': register.contentType }).end(`${await register.metrics()}\n${core}`);
  } else {
    res.writeHead(404).end();
  }
}

/**
 * The worker's small HTTP side: /healthz (process alive), /readyz (polling), /metrics (saga
 * outcomes, step failures, Node process metrics, and the Temporal SDK's runtime metrics).
 */
export function startWorkerMetricsServer(options: WorkerMetricsServerOptions): Promise<Server> {
  const server = createServer((req, res) => {
    // A metrics read that throws answers 500 instead of becoming an unhandled rejection.
    answer(req, res, options).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve(server));
  });
}
