import type { Client } from '@temporalio/client';
import type { Redis } from 'ioredis';
import { Router } from 'express';

const CHECK_TIMEOUT_MS = 2000;

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export type Check = () => Promise<unknown>;

export function temporalCheck(client: Client, namespace: string): Check {
  return () =>
    client.withDeadline(Date.now() + CHECK_TIMEOUT_MS, () => client.workflowService.describeNamespace({ namespace }));
}

export function redisCheck(redis: Redis): Check {
  return () => redis.ping();
}

/** /healthz: the process answers. /readyz: every dependency answers, else 503 with which one failed. */
export function healthRouter(checks: Record<string, Check>): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const results = await Promise.all(
      Object.entries(checks).map(async ([name, check]) => {
        try {
          await withTimeout(check(), CHECK_TIMEOUT_MS);
          return [name, { ok: true }] as const;
        } catch (err) {
          return [name, { ok: false, error: (err as Error).message }] as const;
        }
      }),
    );
    const ready = results.every(([, r]) => r.ok);
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'unavailable', checks: Object.fromEntries(results) });
  });
  return router;
}
