import { loadConfig } from './config';
import { DeadLetters } from './intake/dead-letters';
import { DependencyState } from './intake/health-state';
import { forwarderFor } from './intake/index';
import { redisLedger } from './intake/ledger';
import { Outbox } from './intake/outbox';
import { sealer } from './intake/sealing';
import { createRedis, waitForRedis } from './intake/redis';
import { lazyTemporalClient } from './intake/temporal';
import { createLogger } from './logger';

/**
 * The forwarder on its own (`npm run forwarder`): drains the Redis outbox into Temporal, for
 * deployments that run receivers with FORWARDER_IN_PROCESS=false or want more drain capacity.
 * Any number may run; each claims what a crashed one left pending.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config, { service: 'forwarder' });
  if (config.temporal.clientWarning) logger.warn(config.temporal.clientWarning);
  const { client: temporal, connection } = lazyTemporalClient(config);
  const redis = createRedis(config);
  redis.on('error', () => undefined); // logged once per outage by DependencyState
  if (!(await waitForRedis(redis, 5000))) logger.warn('redis does not answer yet: starting degraded');
  const state = new DependencyState(logger);
  const prefix = config.intake.keyPrefix;
  const forwarder = forwarderFor(
    { config, logger, temporal, redis },
    {
      outbox: new Outbox(redis, prefix, undefined, sealer(config.temporal.payloadKeys)),
      deadLetters: new DeadLetters(redis, prefix, config.intake.deadLetterMaxEntries, logger),
      ledger: redisLedger(redis, { prefix, ttlSeconds: config.intake.dedupTtlSeconds }),
      state,
    },
  );

  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  logger.info('shutting down');
  await forwarder.stop();
  await Promise.allSettled([connection.close(), redis.quit()]);
}

main().catch((err) => {
  console.error(JSON.stringify({ level: 'error', message: 'forwarder failed', error: (err as Error).message }));
  process.exitCode = 1;
});
