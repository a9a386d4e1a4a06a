import { NativeConnection } from '@temporalio/worker';
import { loadConfig } from './config';
import { createLogger } from './logger';
import { createWorker } from './worker/create-worker';

/** The worker process: polls the task queue and runs sagas and their activities until SIGTERM/SIGINT. */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config, { service: 'worker' });
  const connection = await NativeConnection.connect({ address: config.temporal.address });
  try {
    const bundle = config.temporal.workflowBundlePath;
    const worker = await createWorker({ config, connection, ...(bundle ? { workflowBundle: { codePath: bundle } } : {}) });
    // Worker.run() resolves once shutdown (triggered by the SDK on SIGTERM/SIGINT) has drained.
    logger.info('worker polling', { taskQueue: config.temporal.taskQueue, address: config.temporal.address });
    await worker.run();
    logger.info('worker stopped');
  } finally {
    await connection.close();
  }
}

main().catch((err) => {
  console.error(JSON.stringify({ level: 'error', message: 'worker failed', error: (err as Error).message }));
  process.exitCode = 1;
});
