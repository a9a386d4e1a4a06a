import { createHmac, randomUUID } from 'node:crypto';
import { workflowIdFor } from '../../core/workflow-id';
import { post, startReceiver, type TestReceiver } from '../support/receiver';
import { uniqueTaskQueue } from '../support/temporal';

/**
 * A scheme that signs the URL the vendor called (`publicUrl: "request"`), through the real receiver
 * behind a proxy: the public origin comes from X-Forwarded-Proto / -Host only when TRUST_PROXY trusts
 * the hop, so the same forwarded request verifies behind a trusted proxy and is refused without one.
 * Signed here with node:crypto from the scheme's description, not with our sender kit.
 */
const SECRET = `fwd-${randomUUID()}`;
const SOURCES_CONFIG = JSON.stringify({
  forwarded: {
    kind: 'generic',
    secrets: [SECRET],
    signature: { header: 'x-acme-signature', encoding: 'base64' },
    signedString: '{method} {url}\n{body}',
    publicUrl: 'request',
    eventKey: 'body:id',
    eventType: 'body:type',
    routes: { 'thing.happened': 'recordEventSaga' },
  },
});
const taskQueue = uniqueTaskQueue('request-url');
const receivers: TestReceiver[] = [];

afterAll(async () => {
  for (const r of receivers) await r.close();
});

async function receiver(trustProxy: string): Promise<TestReceiver> {
  const r = await startReceiver({ SOURCES_CONFIG, TRUST_PROXY: trustProxy, TEMPORAL_TASK_QUEUE: taskQueue, TEMPORAL_START_TIMEOUT_MS: '15000' });
  receivers.push(r);
  return r;
}

/** A delivery as the vendor signs it for the public URL, sent to the receiver as a proxy forwards it. */
function forwarded(r: TestReceiver, id: string) {
  const body = JSON.stringify({ id, type: 'thing.happened' });
  const publicUrl = 'https://hooks.example.com/webhooks/forwarded?tenant=eu';
  const signature = createHmac('sha256', SECRET).update(`POST ${publicUrl}\n${body}`).digest('base64');
  const headers = { 'x-acme-signature': signature, 'x-forwarded-proto': 'https', 'x-forwarded-host': 'hooks.example.com' };
  return post(`${r.url}/webhooks/forwarded?tenant=eu`, body, headers);
}

it('behind a trusted proxy, verifies against the forwarded public URL and starts the saga', async () => {
  const r = await receiver('loopback');
  const id = `evt_${randomUUID()}`;
  const res = await forwarded(r, id);
  expect(res.status).toBe(202);
  const workflowId = workflowIdFor('forwarded', id);
  const handle = r.client.workflow.getHandle(workflowId);
  expect((await handle.describe()).type).toBe('recordEventSaga');
  await handle.terminate('test done');
});

it('without a trusted proxy, forwarded headers are not believed: the same request is refused and starts nothing', async () => {
  const r = await receiver('false');
  const id = `evt_${randomUUID()}`;
  const res = await forwarded(r, id);
  expect([res.status, res.json?.reason ?? res.json?.error]).toEqual([401, 'signature_mismatch']);
  await expect(r.client.workflow.getHandle(workflowIdFor('forwarded', id)).describe()).rejects.toThrow();
});
