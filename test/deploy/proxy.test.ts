import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import { nginxCopy } from '../../scripts/lib/deploy-check';
import { portOpen } from '../../scripts/lib/stack';
import { ensureDebianFile } from '../../scripts/lib/tools';
import { startIntakeReceiver, uniquePrefix, type IntakeReceiver } from '../intake/support/receiver';
import { uniqueTaskQueue } from '../support/temporal';
import { headersFor, oneReceiverDrivers, pathFor } from '../../sources/sender/drivers';
import { OPS_ENV, token } from '../ops/support';

/**
 * deploy/nginx.conf run by Debian's nginx in front of a real receiver: vendors reach /webhooks/ over
 * TLS and nothing else; the console's listener serves /ops only. The copy differs from the file only in
 * its listen ports (this test's own), the receiver's address (compose's `receiver` name is Docker DNS)
 * and where nginx keeps its temporary files (scripts/lib/deploy-check.ts, nginxCopy).
 */
const VENDOR_PORT = 6480;
const CONSOLE_PORT = 6481;
const { env: sourcesEnv, drivers } = oneReceiverDrivers();
const samsara = drivers.find((d) => d.name === 'samsara')!;
let receiver: IntakeReceiver;
let nginx: ChildProcess;
let dir: string;
let ca: Buffer;

beforeAll(async () => {
  receiver = await startIntakeReceiver({
    env: { ...sourcesEnv, ...OPS_ENV, TRUST_PROXY: '1', REDIS_KEY_PREFIX: uniquePrefix('proxy'), TEMPORAL_TASK_QUEUE: uniqueTaskQueue('proxy') },
  });
  dir = mkdtempSync(join(tmpdir(), 'proxy-test-'));
  const conf = nginxCopy(resolve(__dirname, '..', '..', 'deploy'), dir, [
    ['listen 8443 ssl;', `listen 127.0.0.1:${VENDOR_PORT} ssl;`],
    ['listen 8081;', `listen 127.0.0.1:${CONSOLE_PORT};`],
    ['http://receiver:3000', receiver.url],
  ]);
  if (typeof conf !== 'string') throw new Error(conf.output);
  ca = readFileSync(join(dir, 'tls', 'tls.crt'));
  nginx = spawn(ensureDebianFile('nginx', 'usr/sbin/nginx'), ['-p', dir, '-c', conf, '-e', 'stderr', '-g', `daemon off; pid ${join(dir, 'nginx.pid')};`], { stdio: 'ignore' });
  const deadline = Date.now() + 10_000;
  while (!(await portOpen(VENDOR_PORT)) || !(await portOpen(CONSOLE_PORT))) {
    if (Date.now() > deadline) throw new Error('nginx did not start');
    await new Promise((r) => setTimeout(r, 50));
  }
}, 120_000);

afterAll(async () => {
  if (nginx && nginx.exitCode === null && nginx.signalCode === null) {
    const exited = new Promise((r) => nginx.once('exit', r));
    nginx.kill('SIGTERM');
    await exited;
  }
  await receiver?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function vendor(path: string, init: { method?: string; headers?: Record<string, string>; body?: Buffer } = {}): Promise<{ status: number; body: string }> {
  return new Promise((done, fail) => {
    const req = httpsRequest({ host: '127.0.0.1', port: VENDOR_PORT, servername: 'localhost', ca, path, method: init.method ?? 'GET', headers: init.headers ?? {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done({ status: res.statusCode!, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', fail);
    req.end(init.body);
  });
}

const onConsole = (path: string, init: RequestInit = {}) => fetch(`http://127.0.0.1:${CONSOLE_PORT}${path}`, init);

describe('the compose proxy (deploy/nginx.conf)', () => {
  it('passes a signed delivery over TLS to a receiver, which starts its saga', async () => {
    const { message, workflowId } = samsara.newEvent(randomUUID());
    const answer = await vendor(pathFor(samsara.name, message), { method: 'POST', headers: headersFor(message), body: message.body });
    expect([answer.status, JSON.parse(answer.body)]).toEqual([202, { workflowId, runId: expect.any(String), duplicate: false }]);
  });

  it('gives vendors nothing but /webhooks/: not the console, metrics, probes or the API description', async () => {
    for (const path of ['/ops/', '/ops/api/me', '/metrics', '/readyz', '/healthz', '/openapi.json', '/']) {
      expect([path, (await vendor(path)).status]).toEqual([path, 404]);
    }
  });

  it('serves the console on its own listener, and nothing else there', async () => {
    const me = await onConsole('/ops/api/me', { headers: { authorization: `Bearer ${token('viewer')}` } });
    expect([me.status, ((await me.json()) as { sub: string }).sub]).toEqual([200, 'viewer@test']);
    const { message } = samsara.newEvent(randomUUID());
    expect((await onConsole(pathFor(samsara.name, message), { method: 'POST', headers: headersFor(message), body: message.body })).status).toBe(404);
    for (const path of ['/metrics', '/readyz']) expect([path, (await onConsole(path)).status]).toEqual([path, 404]);
  });
});
