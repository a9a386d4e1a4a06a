import { randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';
import { signSamsara } from '../../sources/samsara/verify';
import { fixtureWith } from '../support/fixtures';
import { uniqueTaskQueue } from '../support/temporal';
import { deletePrefix, postRaw, startIntakeReceiver, uniquePrefix, type IntakeReceiver } from './support/receiver';
import { DIRECT_STARTS } from '../support/receiver';

/**
 * A flood of forged deliveries to a source while the vendor delivers genuine events: forgeries must
 * not use up the vendor's budget. The forger connects from 127.0.0.2 (another loopback address), as
 * an attacker's address differs from the vendor's; everything stays on loopback and the flood is
 * bounded in count and time.
 */
const SECRET = Buffer.from('flood-secret-value').toString('base64');
const prefix = uniquePrefix('flood');
const GENUINE = 20;
const FLOOD_MAX_REQUESTS = 2500;
const FLOOD_MAX_MS = 5000;
const FLOOD_CONCURRENCY = 16;
const FAILURES_PER_SECOND = 20;
const env = {
  ...DIRECT_STARTS,
  SAMSARA_WEBHOOK_SECRETS: SECRET,
  TEMPORAL_TASK_QUEUE: uniqueTaskQueue('flood'),
  REDIS_KEY_PREFIX: prefix,
  // Well above what the vendor sends here, well below what the forger sends.
  RATE_LIMIT_OVERRIDES: 'samsara=25',
  RATE_LIMIT_FAILURES_PER_SECOND: String(FAILURES_PER_SECOND),
};

let receiver: IntakeReceiver;

beforeAll(async () => {
  receiver = await startIntakeReceiver({ env });
});

afterAll(async () => {
  await deletePrefix(receiver.redis, prefix);
  await receiver?.close();
});

/** One forged delivery from 127.0.0.2; resolves with its status (0 if the connection failed). */
function forge(agent: Agent, body: Buffer): Promise<number> {
  const { port } = new URL(receiver.url);
  return new Promise((resolve) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/webhooks/samsara',
        method: 'POST',
        agent,
        localAddress: '127.0.0.2',
        headers: { 'content-type': 'application/json', 'x-samsara-timestamp': String(Math.floor(Date.now() / 1000)), 'x-samsara-signature': `v1=${'0'.repeat(64)}` },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', () => resolve(0));
    req.end(body);
  });
}

describe('a flood of forgeries beside genuine deliveries', () => {
  it('refuses no genuine delivery (all 20 sagas exist in Temporal); forgeries get 401 or 429', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: FLOOD_CONCURRENCY });
    const forged = fixtureWith('samsara', 'route-stop-arrival', { eventId: 'forged' });
    const statuses = new Map<number, number>();
    let sent = 0;
    let flooding = true;
    const started = Date.now();
    const flood = Promise.all(
      Array.from({ length: FLOOD_CONCURRENCY }, async () => {
        while (flooding && sent < FLOOD_MAX_REQUESTS && Date.now() - started < FLOOD_MAX_MS) {
          sent++;
          const status = await forge(agent, forged);
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
        }
      }),
    );

    await new Promise((r) => setTimeout(r, 300)); // the flood is under way before the vendor delivers
    const genuine: { workflowId: string; status: number }[] = [];
    for (let i = 0; i < GENUINE; i++) {
      const eventId = randomUUID();
      const body = fixtureWith('samsara', 'route-stop-arrival', { eventId });
      const res = await postRaw(`${receiver.url}/webhooks/samsara`, body, signSamsara(body, SECRET, Math.floor(Date.now() / 1000)));
      genuine.push({ workflowId: res.json?.workflowId, status: res.status });
      await new Promise((r) => setTimeout(r, 100));
    }
    flooding = false;
    await flood;
    agent.destroy();
    const floodMs = Date.now() - started;

    expect(genuine.filter((g) => g.status !== 202)).toEqual([]);
    // Forgeries are refused (401 while their client is within its failure budget, then 429), never accepted.
    expect([...statuses.keys()].sort()).toEqual([401, 429]);
    // It was a flood: the forger went past its failure budget, and from then on cost no verification.
    expect(statuses.get(429)!).toBeGreaterThan(0);
    // At most the failure budget per one-second window reached verification, however fast this machine
    // is, plus the requests already in flight when a window's count went over.
    const windows = Math.ceil(floodMs / 1000) + 1;
    expect(statuses.get(401)!).toBeLessThanOrEqual((FAILURES_PER_SECOND + FLOOD_CONCURRENCY) * windows);
    // Far more forgeries per second than the vendor's whole budget (25/s).
    expect(sent / (floodMs / 1000)).toBeGreaterThan(25);

    // Temporal's own record of each (describe reads the execution itself, not eventually-consistent visibility).
    for (const { workflowId } of genuine) {
      expect((await receiver.client.workflow.getHandle(workflowId).describe()).type).toBe('samsaraRouteStopSaga');
    }
  });
});
