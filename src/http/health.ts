import type { Client } from '@temporalio/client';
import type { Redis } from 'ioredis';
import { Router } from 'express';
import type { OutboxStats } from '../intake/outbox';

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

/** GET /readyz's answer. */
export interface Readiness {
  status: 'ready' | 'degraded' | 'unavailable';
  checks: Record<string, { ok: boolean }>;
  /** The checks failing, when some are. */
  degraded?: string[];
  /** The outbox backlog and lag; `{ ok: false }` when they could not be read in time. */
  outbox?: OutboxStats | { ok: false };
}

export function temporalCheck(client: Client, namespace: string): Check {
  return () =>
    client.withDeadline(Date.now() + CHECK_TIMEOUT_MS, () => client.workflowService.describeNamespace({ namespace }));
}

export function redisCheck(redis: Redis): Check {
  return () => redis.ping();
}

export interface ReadinessOptions {
  /**
   * Checks of which any one passing is enough to accept deliveries (Temporal takes them directly,
   * Redis queues them): with some of them failing the receiver is `degraded` but stays in rotation.
   * Without this option every check must pass.
   */
  anyOf?: readonly string[];
  /** The outbox backlog and lag, reported alongside. */
  outbox?: () => Promise<OutboxStats>;
}

/**
 * /healthz: the process answers. /readyz: 200 `ready` when every check passes, 200 `degraded`
 * when some fail but deliveries are still made durable, 503 `unavailable` when they cannot be.
 */
export function healthRouter(checks: Record<string, Check>, { anyOf, outbox }: ReadinessOptions = {}): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const results = Object.fromEntries(
      await Promise.all(
        Object.entries(checks).map(async ([name, check]) => {
          try {
            await withTimeout(check(), CHECK_TIMEOUT_MS);
            return [name, { ok: true }] as const;
          } catch {
            // States only: /readyz is unauthenticated, and an error's text carries internal addresses.
            // Why a dependency is down is logged once when it goes down (src/intake/health-state.ts).
            return [name, { ok: false }] as const;
          }
        }),
      ),
    );
    const failing = Object.keys(results).filter((name) => !results[name]!.ok);
    const accepting = anyOf ? anyOf.some((name) => results[name]?.ok) : failing.length === 0;
    const status = failing.length === 0 ? 'ready' : accepting ? 'degraded' : 'unavailable';
    const body: Readiness = { status, checks: results };
    if (failing.length > 0) body.degraded = failing;
    if (outbox && results.redis?.ok !== false) {
      body.outbox = await withTimeout(outbox(), CHECK_TIMEOUT_MS).catch(() => ({ ok: false }));
    }
    res.status(status === 'unavailable' ? 503 : 200).json(body);
  });
  return router;
}
