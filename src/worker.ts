import { NativeConnection, Runtime } from '@temporalio/worker';
import { loadConfig } from './config';
import { createLogger } from './logger';
import { redisPayloadStore } from './intake/payload-store';
import { sealer } from './intake/sealing';
import { createRedis } from './intake/redis';
import { createWorker } from './worker/create-worker';
import { startWorkerMetricsServer } from './worker/metrics-server';

/** Where the SDK core serves its own Prometheus metrics; /metrics on the worker port appends them. */
const CORE_METRICS_ADDRESS = '127.0.0.1:9465';

/** The worker process: polls the task queue and runs sagas and their activities until SIGTERM/SIGINT. */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config, { service: 'worker' });
  if (config.temporal.clientWarning) logger.warn(config.temporal.clientWarning);
  const metricsOn = config.worker.metricsPort > 0;
  if (metricsOn) Runtime.install({ telemetryOptions: { metrics: { prometheus: { bindAddress: CORE_METRICS_ADDRESS } } } });

  const tracing = config.tracing.enabled
    ? (await import('./tracing')).createTracing({ serviceName: 'webhook-sagas-worker', endpoint: config.tracing.endpoint })
    : undefined;
  const connection = await NativeConnection.connect(config.temporal.connection);
  // Large events wait in Redis (src/intake/payload-store.ts); sagas load them with loadEventPayload.
  const redis = createRedis(config, { enableOfflineQueue: true });
  redis.on('error', (err) => logger.warn('redis error', { error: err.message }));
  const payloads = redisPayloadStore(redis, { prefix: config.intake.keyPrefix, ttlSeconds: config.intake.payloadTtlSeconds, sealing: sealer(config.temporal.payloadKeys) });
  try {
    // With tracing on, the worker bundles its workflows itself so the plugin can add its workflow
    // interceptors (a prebuilt bundle has none).
    const bundle = tracing ? undefined : config.temporal.workflowBundlePath;
    const worker = await createWorker({
      config,
      connection,
      payloads,
      ...(bundle ? { workflowBundle: { codePath: bundle } } : {}),
      ...(tracing ? { plugins: [tracing.plugin] } : {}),
    });
    const server = metricsOn
      ? await startWorkerMetricsServer({
          port: config.worker.metricsPort,
          host: config.http.host,
          coreMetricsUrl: `http://${CORE_METRICS_ADDRESS}/metrics`,
          isReady: () => worker.getState() === 'RUNNING',
        })
      : undefined;
    // Worker.run() resolves once shutdown (triggered by the SDK on SIGTERM/SIGINT) has drained.
    logger.info('worker polling', {
      taskQueue: config.temporal.taskQueue,
      address: config.temporal.address,
      metricsPort: config.worker.metricsPort,
      // Absent: unversioned. Present: Temporal routes to it only while the version is current or ramping.
      deployment: config.worker.deployment ?? 'unversioned',
    });
    await worker.run();
    server?.close();
    logger.info('worker stopped');
  } finally {
    redis.disconnect();
    await connection.close();
    await tracing?.shutdown();
  }
}

main().catch((err) => {
  console.error(JSON.stringify({ level: 'error', message: 'worker failed', error: (err as Error).message }));
  process.exitCode = 1;
});
