import { randomUUID } from 'node:crypto';
import { WorkflowFailedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { createActivities, createClients } from '../../sagas/activities';
import { signSamsara } from '../../sources/samsara/verify';
import { signOpsToken, type Role } from '../../src/ops/auth';
import { defaultSeed, type Seed } from '../../sandbox/seed';
import { parseAnswer, type OpsJson } from '../support/answers';
import { fixture } from '../support/fixtures';
import { startSandbox as startRunningSandbox } from '../support/sandbox';
import { post, startReceiver, type TestReceiver } from '../support/receiver';
import { startTestWorker, testConfig, uniqueTaskQueue, type TestWorker } from '../support/temporal';

/** Console settings shared by the ops tests: an HS256 secret of their own. */
export const OPS_SECRET = 'ops-test-secret-0123456789-abcdefghijklmnop';
/** The audit stream and bulk jobs live under each receiver's own key prefix, so test files never see each other's. */
export const OPS_ENV = { OPS_JWT_SECRET: OPS_SECRET, OPS_JWT_ISSUER: 'ops-test-issuer', OPS_JWT_AUDIENCE: 'ops-test-audience' };

export function token(role: Role | Role[], sub = `${Array.isArray(role) ? role.join('+') : role}@test`, overrides: Partial<Parameters<typeof signOpsToken>[0]> = {}): string {
  return signOpsToken({
    sub,
    roles: Array.isArray(role) ? role : [role],
    expiresIn: '5m',
    algorithm: 'HS256',
    signingKey: OPS_SECRET,
    issuer: OPS_ENV.OPS_JWT_ISSUER,
    audience: OPS_ENV.OPS_JWT_AUDIENCE,
    ...overrides,
  });
}

export interface ApiAnswer {
  status: number;
  json: OpsJson;
  headers: Headers;
}

export async function call(url: string, bearer: string | undefined, init: { method?: string; body?: unknown } = {}): Promise<ApiAnswer> {
  const res = await fetch(url, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: { ...(bearer ? { authorization: `Bearer ${bearer}` } : {}), ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await res.text();
  return { status: res.status, json: parseAnswer<OpsJson>(text, text), headers: res.headers };
}

/**
 * Sagas of one Turvo stop take turns (README, "Entity order"), and these tests run and replay many
 * sagas at once: each delivery is about a stop of its own, of the seeded shipment.
 */
const STOPS = 500;
const stopId = (n: number) => `OPS-STOP-${n % STOPS}`;
let deliveries = 0;

function seedWithStops(): Seed {
  const seed = defaultSeed();
  const shipment = seed.shipments[0]!;
  shipment.stops.push(...Array.from({ length: STOPS }, (_, i) => ({ id: stopId(i), status: shipment.status })));
  return seed;
}

/** The downstream sandbox with a stop per delivery the tests make (test/support/sandbox.ts). */
export const startSandbox = () => startRunningSandbox(seedWithStops());

/** Front refuses every new comment: the route-stop saga fails at commentOnFront and undoes the Turvo update. */
export const FRONT_REFUSES_COMMENTS = { service: 'front', method: 'POST', path: '/comments', status: 422, message: 'conversation is archived' };

export const SAMSARA_SECRET = Buffer.from('ops-test-samsara-secret').toString('base64');

/** The fields of the Samsara route-stop arrival fixture the tests edit before sending it. */
export interface RouteStopEvent {
  eventId: string;
  data: { driver: { name: string }; routeStopDetails: { externalIds: Record<string, unknown> } };
}

/** A route stop that names no Turvo stop: its saga fails before its first step (UnmappedRouteStop), and so would every replay. */
export const UNMAPPED = (event: RouteStopEvent) => {
  delete event.data.routeStopDetails.externalIds.turvoStopId;
};

/** Sends a signed Samsara route-stop arrival to a receiver (`edit` changes the event first); returns its workflow ID. */
export async function deliverRouteStop(receiverUrl: string, eventId: string = randomUUID(), edit?: (event: RouteStopEvent) => void): Promise<string> {
  const event = JSON.parse(fixture('samsara', 'route-stop-arrival').toString('utf8')) as RouteStopEvent;
  event.eventId = eventId;
  event.data.routeStopDetails.externalIds.turvoStopId = stopId(deliveries++);
  edit?.(event);
  const body = Buffer.from(JSON.stringify(event));
  const res = await post(`${receiverUrl}/webhooks/samsara`, body, { ...signSamsara(body, SAMSARA_SECRET, Math.floor(Date.now() / 1000)), 'x-samsara-request': randomUUID() });
  if (res.status !== 202) throw new Error(`delivery not accepted: ${res.status} ${res.text}`);
  return res.json.workflowId;
}

/**
 * How a saga's run ended: 'failed' or 'completed'. A delivery whose start missed its budget on a
 * loaded machine was queued and is started by the forwarder a little later: wait for it to exist.
 */
export async function sagaEnd(client: Client, workflowId: string, timeoutMs = 30_000): Promise<'failed' | 'completed'> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await client.workflow.getHandle(workflowId).result();
      return 'completed';
    } catch (err) {
      if (err instanceof WorkflowFailedError) return 'failed';
      if (!(err instanceof WorkflowNotFoundError) || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/** Maps `items` through `fn`, `size` at a time (a shared 2-core machine and Temporal's start rate set the pace). */
export async function inBatches<T, R>(items: T[], size: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size) out.push(...(await Promise.all(items.slice(i, i + size).map(fn))));
  return out;
}

export interface OpsStack {
  receiver: TestReceiver;
  worker: TestWorker;
  sandbox: Awaited<ReturnType<typeof startSandbox>>;
  taskQueue: string;
  /** Sends a signed Samsara route-stop arrival (`edit` changes the event first); returns its workflow ID. */
  deliver: (eventId?: string, edit?: (event: RouteStopEvent) => void) => Promise<string>;
  close: () => Promise<void>;
}

/** Receiver (with the console), a worker and the sandbox, all on a task queue of their own. */
export async function startOpsStack(prefix: string, extraEnv: Record<string, string> = {}): Promise<OpsStack> {
  const sandbox = await startSandbox();
  const taskQueue = uniqueTaskQueue(prefix);
  const env = { ...sandbox.env, ...OPS_ENV, SAMSARA_WEBHOOK_SECRETS: SAMSARA_SECRET, TEMPORAL_TASK_QUEUE: taskQueue, ...extraEnv };
  const receiver = await startReceiver(env);
  const config = testConfig(env);
  const worker = await startTestWorker({ taskQueue, activities: createActivities(createClients(config.downstream)), config });
  return {
    receiver,
    worker,
    sandbox,
    taskQueue,
    deliver: (eventId = randomUUID(), edit) => deliverRouteStop(receiver.url, eventId, edit),
    async close() {
      await worker.stop();
      await receiver.close();
      await sandbox.close();
    },
  };
}

