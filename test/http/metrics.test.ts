import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { signSamsara } from '../../sources/samsara/verify';
import { metricNames } from '../../src/metrics';
import '../../src/worker/saga-metrics';
import { fixtureWith } from '../support/fixtures';
import { post, startReceiver, type TestReceiver } from '../support/receiver';
import { uniqueTaskQueue } from '../support/temporal';

const SECRET = Buffer.from('samsara-metrics-secret').toString('base64');
let receiver: TestReceiver;

beforeAll(async () => {
  receiver = await startReceiver({ SAMSARA_WEBHOOK_SECRETS: SECRET, TEMPORAL_TASK_QUEUE: uniqueTaskQueue('metrics') });
});

afterAll(async () => {
  await receiver?.close();
});

/** One sample's value from the Prometheus text, 0 when absent. */
async function sample(name: string, labels: Record<string, string>): Promise<number> {
  const text = await (await fetch(`${receiver.url}/metrics`)).text();
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (wanted.every((w) => line.includes(w))) return Number(line.split(' ').pop());
  }
  return 0;
}

function send(body: Buffer, path = '/webhooks/samsara', secret = SECRET) {
  return post(`${receiver.url}${path}`, body, signSamsara(body, secret, Math.floor(Date.now() / 1000)));
}

describe('GET /metrics', () => {
  it('counts started, duplicate and refused deliveries, and times saga starts', async () => {
    const before = {
      started: await sample('webhook_deliveries_total', { source: 'samsara', result: 'started' }),
      duplicate: await sample('webhook_deliveries_total', { source: 'samsara', result: 'duplicate' }),
      forged: await sample('webhook_rejections_total', { source: 'samsara', reason: 'signature_mismatch', status: '401' }),
      unknown: await sample('webhook_rejections_total', { source: 'unknown', reason: 'unknown_source', status: '404' }),
      starts: await sample('webhook_saga_start_duration_seconds_count', { result: 'started' }),
    };
    const body = fixtureWith('samsara', 'route-stop-arrival', { eventId: randomUUID() });
    expect((await send(body)).status).toBe(202);
    expect((await send(body)).status).toBe(200);
    expect((await send(body, '/webhooks/samsara', Buffer.from('forged').toString('base64'))).status).toBe(401);
    expect((await send(body, '/webhooks/no-such-source')).status).toBe(404);

    expect(await sample('webhook_deliveries_total', { source: 'samsara', result: 'started' })).toBe(before.started + 1);
    expect(await sample('webhook_deliveries_total', { source: 'samsara', result: 'duplicate' })).toBe(before.duplicate + 1);
    expect(await sample('webhook_rejections_total', { source: 'samsara', reason: 'signature_mismatch', status: '401' })).toBe(before.forged + 1);
    // Made-up source names are counted under one label, so they cannot grow the label set.
    expect(await sample('webhook_rejections_total', { source: 'unknown', reason: 'unknown_source', status: '404' })).toBe(before.unknown + 1);
    expect(await sample('webhook_saga_start_duration_seconds_count', { result: 'started' })).toBe(before.starts + 1);
    expect(await sample('webhook_request_duration_seconds_count', { source: 'samsara', status: '202' })).toBeGreaterThanOrEqual(1);
  });

  it('reports the outbox depth and lag', async () => {
    const text = await (await fetch(`${receiver.url}/metrics`)).text();
    expect(text).toMatch(/^webhook_outbox_depth 0$/m);
    expect(text).toMatch(/^webhook_outbox_lag_seconds 0$/m);
  });
});

describe('alert rules', () => {
  it('use only metrics that the receiver and the worker export', async () => {
    const rules = parse(readFileSync(resolve(__dirname, '..', '..', 'deploy', 'prometheus', 'alerts.yml'), 'utf8'));
    const exported = new Set(await metricNames());
    const used = new Set<string>();
    for (const group of rules.groups) {
      for (const rule of group.rules) for (const [name] of String(rule.expr).matchAll(/\b(?:webhook|saga)_[a-z_]+\b/g)) used.add(name);
    }
    expect(used.size).toBeGreaterThan(3);
    for (const name of used) expect([name, exported.has(name)]).toEqual([name, true]);
  });
});
