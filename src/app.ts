import type { RequestListener } from 'node:http';
import express from 'express';
import type { Client } from '@temporalio/client';
import type { Redis } from 'ioredis';
import type { AppConfig } from './config';
import type { Logger } from './logger';
import type { SourceAdapter } from '../sources/types';
import type { Intake } from './intake/intake';
import { buildIntake, type IntakeParts } from './intake/index';
import { deliveryBudgets } from './http/rate-limit';
import { errorHandler } from './http/error-handler';
import { healthRouter, redisCheck, temporalCheck } from './http/health';
import { metricsHandler } from './http/metrics';
import { bodyBudget } from './http/body-budget';
import { webhookHandler } from './http/webhooks';
import { codecRouter } from './ops/codec-endpoint';
import { OPS_API_ROUTES, opsRouter } from './ops/router';
import { WEBHOOK_ROUTE, openApiDocument } from './http/openapi';
import { webhookListener, type WebhookListenerOptions } from './http/webhook-listener';
import type { Tracer } from '@opentelemetry/api';

export interface AppDeps {
  config: AppConfig;
  logger: Logger;
  temporal: Client;
  redis: Redis;
  sources: ReadonlyMap<string, SourceAdapter>;
  /** Defaults to the durable intake (ledger, Temporal, Redis outbox): src/intake/. */
  intake?: Intake;
  /** The durable intake's parts, when the caller shares them with a forwarder (src/receiver.ts). */
  intakeParts?: IntakeParts;
  /** When tracing is on: each delivery gets a server span that the saga's spans continue. */
  tracer?: Tracer;
  /** Aborted when the process stops: background work (the console's bulk replays) hands over. */
  signal?: AbortSignal;
}

/**
 * Builds the receiver's request listener: deliveries (src/http/webhook-listener.ts), and an express
 * app for everything else. No listening, no process handling: see src/receiver.ts and src/server.ts.
 */
export function createApp({ config, logger, temporal, redis, sources, intake, intakeParts, tracer, signal }: AppDeps): RequestListener {
  const app = express();
  app.disable('x-powered-by');
  // API answers are never cached: no ETag hash of every response body.
  app.set('etag', false);
  // Whose address a client's is (req.ip, and a delivery's): the socket's, unless a proxy in front is trusted to report it.
  app.set('trust proxy', config.limits.trustProxy);
  const parts = intakeParts ?? buildIntake({ config, logger, temporal, redis });

  app.use(
    healthRouter(
      { temporal: temporalCheck(temporal, config.temporal.namespace), redis: redisCheck(redis) },
      // Either one alone still makes deliveries durable: the receiver is degraded, not unavailable.
      { anyOf: ['temporal', 'redis'], outbox: () => parts.outbox.stats() },
    ),
  );

  app.get('/metrics', metricsHandler(() => parts.outbox.stats()));

  // The HTTP API's description (OpenAPI 3.1), built once from the routes' zod schemas.
  const openApi = openApiDocument([
    { prefix: '', routes: [WEBHOOK_ROUTE] },
    { prefix: '/ops/api', routes: OPS_API_ROUTES },
  ]);
  app.get('/openapi.json', (_req, res) => {
    res.json(openApi);
  });

  // The on-call console: its page and its JWT-protected API (src/ops).
  const eventTypes = [...new Set([...sources.values()].flatMap((s) => [...(s.routes?.keys() ?? [])]))];
  const delivery = { adapters: sources, intake: intake ?? parts.intake, refused: parts.refused };
  app.use('/ops', opsRouter({ config, logger, temporal, redis, sources: [...sources.keys()], eventTypes, delivery, signal }));
  // The payload codec for the Temporal UI and CLI, behind the console's tokens (operators only).
  app.use(
    '/codec',
    codecRouter({ codecs: temporal.options.loadedDataConverter.payloadCodecs, jwt: config.ops.jwt, corsOrigins: config.temporal.codecCorsOrigins, logger }),
  );

  app.use((_req, res) => {
    res.status(404).json({ error: 'not_found' });
  });
  app.use(errorHandler(logger));

  // Deliveries, the hot path, on plain node:http; every other request through the app above.
  const names = new Set(sources.keys());
  const handle = webhookHandler({
    sources,
    intake: intake ?? parts.intake,
    budgets: deliveryBudgets({
      redis,
      prefix: config.intake.keyPrefix,
      ...config.limits.rateLimit,
      sources: names,
      state: parts.state,
    }),
    bodyLimit: config.http.bodyLimit,
    bodyReadTimeoutMs: config.limits.bodyReadTimeoutMs,
    bodies: bodyBudget(config.limits.bodyMemory),
    refused: parts.refused,
  });
  return webhookListener({ handle, otherwise: app, trust: app.get('trust proxy fn') as WebhookListenerOptions['trust'], sources: names, logger, ...(tracer ? { tracer } : {}) });
}
