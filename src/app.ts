import express from 'express';
import type { Client } from '@temporalio/client';
import type { Redis } from 'ioredis';
import type { AppConfig } from './config';
import type { Logger } from './logger';
import type { SourceAdapter } from '../sources/types';
import { temporalIntake, type Intake } from './intake';
import { errorHandler } from './http/error-handler';
import { healthRouter, redisCheck, temporalCheck } from './http/health';
import { webhookHandler } from './http/webhooks';
import { opsRouter } from './ops/router';

export interface AppDeps {
  config: AppConfig;
  logger: Logger;
  temporal: Client;
  redis: Redis;
  sources: ReadonlyMap<string, SourceAdapter>;
  /** Defaults to starting sagas straight on Temporal. */
  intake?: Intake;
}

/** Builds the receiver's express app. No listening, no process handling: see src/server.ts. */
export function createApp({ config, logger, temporal, redis, sources, intake }: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');

  app.use(
    healthRouter({
      temporal: temporalCheck(temporal, config.temporal.namespace),
      redis: redisCheck(redis),
    }),
  );

  app.post(
    '/webhooks/:source',
    webhookHandler({
      sources,
      intake:
        intake ??
        temporalIntake({
          client: temporal,
          taskQueue: config.temporal.taskQueue,
          startTimeoutMs: config.temporal.startTimeoutMs,
        }),
      bodyLimit: config.http.bodyLimit,
      logger,
    }),
  );

  // The on-call console: its page and its JWT-protected API (src/ops).
  app.use('/ops', opsRouter({ config, logger, temporal, redis, sources: [...sources.keys()] }));

  app.use((_req, res) => {
    res.status(404).json({ error: 'not_found' });
  });
  app.use(errorHandler(logger));
  return app;
}
