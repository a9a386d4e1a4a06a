/**
 * The main job (scripts/dev.sh): Redis, a Temporal dev server with its UI, the downstream sandbox,
 * the worker and the receiver, with their logs interleaved. Ctrl-C (or SIGTERM) stops the processes
 * it started, then the Temporal server if it started it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ensureDevPayloadKey, loadDevEnv } from './lib/dev-env';
import { DEV_TEMPORAL, ROOT, ensureRedis, startTemporal, stopTemporal, temporalAddress } from './lib/stack';

const children: ChildProcess[] = [];

function run(name: string, script: string, env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, script)], { env, stdio: ['ignore', 'inherit', 'inherit'] });
  child.on('exit', (code, signal) => {
    if (!stopping) {
      process.stderr.write(`[dev] ${name} exited (${signal ?? code}); stopping\n`);
      void stop(1);
    }
  });
  children.push(child);
  return child;
}

async function waitFor(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}

let stopping = false;
let startedTemporal = false;

async function stop(code = 0): Promise<void> {
  if (stopping) return;
  stopping = true;
  const running = children.filter((c) => c.exitCode === null && c.signalCode === null);
  for (const child of running) child.kill('SIGTERM');
  // Each process drains on its own (the worker within its 10 s grace time); none may keep Temporal up.
  const exited = Promise.all(running.map((c) => new Promise((r) => c.once('exit', r))));
  await Promise.race([exited, new Promise((r) => setTimeout(r, 20_000).unref())]);
  if (startedTemporal && process.env.KEEP_TEMPORAL !== '1') await stopTemporal(DEV_TEMPORAL);
  process.exitCode = code;
}

async function main(): Promise<void> {
  const env = loadDevEnv({ ...process.env });
  env.TEMPORAL_ADDRESS ??= temporalAddress(DEV_TEMPORAL);
  env.PORT ??= '3000';
  ensureDevPayloadKey(env);
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());

  await ensureRedis(env.REDIS_URL);
  startedTemporal = await startTemporal(DEV_TEMPORAL);

  if (existsSync(join(ROOT, 'sandbox', 'server.ts')) && env.SANDBOX !== 'off') {
    run('sandbox', 'sandbox/server.ts', env);
  }
  run('worker', 'src/worker.ts', env);
  run('receiver', 'src/server.ts', env);
  const receiverUrl = `http://127.0.0.1:${env.PORT}`;
  await waitFor(`${receiverUrl}/healthz`, 60_000);

  process.stdout.write(
    [
      '',
      '────────────────────────────────────────────────────────────────────',
      `  Receiver      ${receiverUrl}   (POST /webhooks/<source>)`,
      `  Temporal UI   http://127.0.0.1:${DEV_TEMPORAL.uiPort}`,
      `  Console       ${receiverUrl}/ops   (sign in with: npm run -s token -- --role operator)`,
      `  Temporal      ${env.TEMPORAL_ADDRESS}   task queue ${env.TEMPORAL_TASK_QUEUE ?? 'webhook-queue'}`,
      ...(env.SANDBOX !== 'off'
        ? [`  Sandbox       http://127.0.0.1:${env.SANDBOX_PORT ?? '4010'}/_sandbox/requests   (fail a step: README, "The downstream sandbox")`]
        : []),
      '',
      '  Send a correctly signed sample Samsara webhook (in another terminal):',
      '    npm run send -- samsara route-stop-arrival --fresh',
      '  (every source and fixture: npm run send -- --list; options: npm run send -- --help)',
      '  Find and replay failed sagas from the terminal: npm run ops -- list --outcome failed',
      '',
      '  Ctrl-C stops everything this started.',
      '────────────────────────────────────────────────────────────────────',
      '',
    ].join('\n'),
  );
}

main().catch(async (err) => {
  process.stderr.write(`[dev] ${(err as Error).message}\n`);
  await stop(1);
});
