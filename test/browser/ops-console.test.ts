import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { FRONT_REFUSES_COMMENTS, UNMAPPED, call, sagaEnd, startOpsStack, token, type OpsStack } from '../ops/support';
import { until } from '../support/eventually';
import { fixture } from '../support/fixtures';
import { post } from '../support/receiver';
import { signSamsara } from '../../sources/samsara/verify';

/**
 * The incident of the README's runbook in a real browser: Debian's headless chromium (installed by
 * scripts/test.sh, never a browser download) driven by playwright-core. Faults are armed in the
 * downstream sandbox and mixed failures sent: Front refuses comments (curable), route stops that name
 * no Turvo stop (permanent), a saga whose undo failed (compensation_failed). The engineer signs in,
 * sees the sagas that need attention grouped by cause, clears the fault, replays the curable group
 * and the failed undo, and the count drops to exactly the sagas no replay can cure.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ROOT = resolve(__dirname, '..', '..');
const ARTIFACTS = join(ROOT, 'test-artifacts');
/** The README's screenshot: the grouped needs-attention view, as this test sees it. */
const README_SCREENSHOT = join(ROOT, 'docs', 'ops-console.png');

const NOTIFY_REFUSES = { service: 'notify', method: 'POST', path: '/messages', status: 422, message: 'recipient blocked' };
const FRONT_KEEPS_COMMENTS = { service: 'front', method: 'DELETE', path: '/comments', status: 422, message: 'comment is locked' };

let stack: OpsStack;
let context: BrowserContext;
let page: Page;
let profileDir: string;
const problems: string[] = [];
const batch = `brw-${randomUUID().slice(0, 8)}`;
const curable: string[] = [];
const permanent: string[] = [];
let undoFailed: string;

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  stack = await startOpsStack('ops-browser');
  await stack.sandbox.fail(FRONT_REFUSES_COMMENTS);
  for (let i = 1; i <= 4; i++) curable.push(await stack.deliver(`${batch}-front-${i}`));
  for (let i = 1; i <= 2; i++) permanent.push(await stack.deliver(`${batch}-unmapped-${i}`, UNMAPPED));
  await Promise.all([...curable, ...permanent].map((id) => sagaEnd(stack.receiver.client, id)));
  await stack.sandbox.clearFaults();
  await stack.sandbox.fail(NOTIFY_REFUSES);
  await stack.sandbox.fail(FRONT_KEEPS_COMMENTS);
  undoFailed = await stack.deliver(`${batch}-undo-1`);
  expect(await sagaEnd(stack.receiver.client, undoFailed)).toBe('failed');
  // Front is still refusing comments for the first group: the engineer fixes it below.
  await stack.sandbox.clearFaults();
  await stack.sandbox.fail(FRONT_REFUSES_COMMENTS);

  profileDir = mkdtempSync(join(tmpdir(), 'ops-chromium-'));
  context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = context.pages()[0] ?? (await context.newPage());
  // A CSP violation or a script error shows up here; the page must have none.
  page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
  page.on('pageerror', (err) => problems.push(err.message));
}, 180_000);

afterAll(async () => {
  await context?.close();
  if (profileDir) rmSync(profileDir, { recursive: true, force: true });
  await stack?.close();
});

const headline = () => page.locator('#attention-count').textContent();
const groupRow = (errorClass: string) => page.locator(`#groups li[data-error-class="${errorClass}"]`);
/** A string, evaluated in the page: this file is type-checked without the DOM library. */
const overflow = () => page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');

describe('the on-call console in chromium: an incident from first look to zero curable', () => {
  let started: number;

  it('opens on the sagas that need attention, grouped by cause', async () => {
    started = Date.now();
    await page.goto(`${stack.receiver.url}/ops/`);
    await page.locator('#token').fill(token('operator', 'oncall-carol'));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#who-name').filter({ hasText: 'oncall-carol' }).waitFor();
    expect(page.url()).toContain('#/sagas?outcome=attention');

    // Visibility is eventually consistent: the page's own refresh (Search) until all seven are there.
    await until(async () => {
      await page.locator('#search').click();
      await page.locator('#attention-count').waitFor();
      return (await headline()) === '7 sagas need attention';
    }, 30_000, 'seven sagas needing attention on the page');
    await groupRow('front 422').waitFor();
    expect(await groupRow('front 422').textContent()).toMatch(/^4commentOnFront · front 422.*Replay this group…$/);
    expect(await groupRow('UnmappedRouteStop').textContent()).toContain('permanent: a replay fails again');
    expect(await groupRow('UnmappedRouteStop').locator('button').count()).toBe(0);
    expect(await groupRow('notify 422').textContent()).toContain('1 need manual cleanup');
    expect(await page.locator('#headline').textContent()).toContain('2 can never succeed');
    // Columns: the step that failed and the error class, not the last undo.
    const row = page.locator(`#sagas tr[data-workflow-id="${curable[0]}"]`);
    expect(await row.locator('td[data-label="Failed step"]').textContent()).toBe('commentOnFront');
    expect(await row.locator('td[data-label="Error"]').textContent()).toBe('front 422');
    await page.screenshot({ path: README_SCREENSHOT });
  });

  it('keeps every filter, the time range included, in a link that survives a reload and Back', async () => {
    const since = new Date(Date.now() - 3600_000);
    // datetime-local takes local time, minutes precision.
    const local = (d: Date) => new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
    await page.locator('#f-source').selectOption('samsara');
    await page.locator('#f-from').fill(local(since));
    await page.locator('#f-eventType').fill('routestoparrival');
    await page.locator('#search').click();
    await page.waitForURL(/from=/);
    const url = page.url();
    expect(url).toMatch(/outcome=attention/);
    expect(url).toMatch(/source=samsara/);
    await page.locator('#list-total').filter({ hasText: 'of 7 sagas' }).waitFor();

    await page.reload();
    await page.locator('#list-total').filter({ hasText: 'of 7 sagas' }).waitFor();
    expect(page.url()).toBe(url);
    expect(await page.locator('#f-from').inputValue()).toBe(local(since));
    expect(await page.locator('#f-source').inputValue()).toBe('samsara');

    // A saga has its own URL; Back returns to the same list.
    await page.locator(`#sagas tr[data-workflow-id="${undoFailed}"]`).click();
    await page.locator('#detail h2').filter({ hasText: undoFailed }).waitFor();
    expect(page.url()).toContain(`#/saga/${encodeURIComponent(undoFailed)}`);
    // A compensation_failed saga leads with what was left in place.
    expect(await page.locator('#cleanup').textContent()).toMatch(/Manual cleanup needed.*undo of commentOnFront failed/);
    await page.goBack();
    await page.locator('#list-total').filter({ hasText: 'of 7 sagas' }).waitFor();
    expect(page.url()).toBe(url);
  });

  it('finds a saga by its workflow ID, its vendor delivery id and its request id', async () => {
    const target = curable[2]!;
    const { delivery } = (await call(`${stack.receiver.url}/ops/api/sagas/${encodeURIComponent(target)}`, token('viewer'))).json;
    for (const [q, by] of [
      [target, 'workflow ID'],
      [delivery.deliveryId, 'vendor delivery id'],
      [delivery.requestId, 'request id'],
    ] as const) {
      await page.locator('#q').fill(q);
      await page.locator('#find').click();
      await page.locator('#search-note').filter({ hasText: `1 saga found by ${by}` }).waitFor();
      expect(await page.locator('#sagas tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-workflow-id')))).toEqual([target]);
    }
  });

  it('replays the curable group once the fault is fixed, live to the end', async () => {
    await stack.sandbox.clearFaults();
    await page.goto(`${stack.receiver.url}/ops/#/sagas?outcome=attention`);
    await groupRow('front 422').locator('button').click();
    await page.locator('#bulk-count').waitFor();
    expect(await page.locator('#bulk-count').textContent()).toBe('4 sagas would be replayed.');
    await page.locator('#bulk-confirm').click();
    await page.waitForURL(/#\/job\//);
    await page.locator('#bulk-status').filter({ hasText: /^Done:/ }).waitFor({ timeout: 60_000 });
    expect(await page.locator('#bulk-status').textContent()).toBe('Done: 4 replayed, 0 refused, 0 errors; replayed runs: 4 completed, 0 failed again, 0 still running.');
    await page.screenshot({ path: join(ARTIFACTS, 'ops-console-bulk.png') });
    // The job has its own link: a reload shows the same summary.
    await page.reload();
    await page.locator('#bulk-status').filter({ hasText: 'Done: 4 replayed' }).waitFor();
  });

  it('replays the failed undo after the cleanup and follows the new run until it completes', async () => {
    await page.goto(`${stack.receiver.url}/ops/#/saga/${encodeURIComponent(undoFailed)}`);
    await page.locator('#replay').click();
    await page.locator('#replay-result').waitFor({ timeout: 60_000 });
    expect(await page.locator('#replay-result').textContent()).toBe('Replay completed.');
    expect(await page.locator('.timeline').textContent()).toMatch(/notifyCustomer completed/);
    expect(page.url()).toMatch(/run=.*follow=1/);
  });

  it('ends with exactly the sagas no replay can cure, which were never replayed', async () => {
    await page.goto(`${stack.receiver.url}/ops/#/sagas?outcome=attention`);
    await until(async () => {
      await page.locator('#search').click();
      await page.locator('#attention-count').waitFor();
      return (await headline()) === '2 sagas need attention';
    }, 30_000, 'two sagas left needing attention');
    const elapsed = (Date.now() - started) / 1000;
    writeFileSync(join(ARTIFACTS, 'ops-incident-seconds.txt'), `${elapsed.toFixed(1)}\n`);
    process.stdout.write(`incident flow in the browser: ${elapsed.toFixed(1)} s from sign-in to 2 left (both permanent)\n`);
    expect(await page.locator('#headline').textContent()).toContain('2 can never succeed');
    await page.locator('#list-total').filter({ hasText: '2 of 2 sagas' }).waitFor();
    const listed = await page.locator('#sagas tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-workflow-id')));
    expect(listed.sort()).toEqual([...permanent].sort());
    // While a Search's page of rows is on its way, no total stands over the emptied table.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const listAsked = page.waitForRequest(/\/ops\/api\/sagas\?/);
    await page.route(/\/ops\/api\/sagas\?/, async (route) => held.then(() => route.continue()), { times: 1 });
    try {
      await page.locator('#search').click();
      await listAsked;
      expect({ rows: await page.locator('#sagas tbody tr').count(), total: await page.locator('#list-total').textContent() }).toEqual({ rows: 0, total: '' });
    } finally {
      release();
    }
    await page.locator('#list-total').filter({ hasText: '2 of 2 sagas' }).waitFor();
    // Temporal's account: every curable saga's latest run completed; the permanent ones have their one failed run.
    for (const id of [...curable, undoFailed]) expect((await stack.receiver.client.workflow.getHandle(id).describe()).status.name).toBe('COMPLETED');
    for (const id of permanent) {
      const runs: string[] = [];
      for await (const info of stack.receiver.client.workflow.list({ query: `WorkflowId = '${id}'` })) runs.push(info.status.name);
      expect(runs).toEqual(['FAILED']);
    }
  });

  it('shows a saga retrying a downstream outage as waiting for that service, and follows it to the end', async () => {
    // Front answers 503 a few times: the comment step retries with backoff, the saga keeps running.
    await stack.sandbox.fail({ service: 'front', method: 'POST', path: '/comments', status: 503, times: 3 });
    const retrying = await stack.deliver(`${batch}-outage-1`);
    await page.goto(`${stack.receiver.url}/ops/#/saga/${encodeURIComponent(retrying)}?follow=1`);
    await page.locator('#waiting').filter({ hasText: 'Waiting for front' }).waitFor({ timeout: 30_000 });
    expect(await page.locator('#waiting').textContent()).toMatch(/addConversationComment attempt \d+.*last error: front POST .* answered 503/);
    await page.screenshot({ path: join(ARTIFACTS, 'ops-console-waiting.png') });
    await page.locator('#replay-result').waitFor({ timeout: 60_000 });
    expect(await page.locator('#replay-result').textContent()).toBe('Run completed.');
    expect(await page.locator('#waiting').count()).toBe(0);
  });

  it('lists a delivery refused for its signature under Refused requests, and re-processing it says why it is still refused', async () => {
    const body = fixture('samsara', 'route-stop-arrival');
    const forged = await post(`${stack.receiver.url}/webhooks/samsara`, body, signSamsara(body, Buffer.from('rotated-away').toString('base64'), Math.floor(Date.now() / 1000)));
    expect(forged.status).toBe(401);
    const requestId = forged.headers.get('x-request-id')!;
    // The view's own link, as a deep link (the previous step left the page on a saga).
    await page.goto(`${stack.receiver.url}/ops/#/refused?source=samsara`);
    await page.locator('#refused-view').waitFor();
    const row = page.locator('#refused-table tr', { hasText: requestId });
    // Kept just after the answer: the page's own reload until it is listed.
    await until(async () => {
      await page.locator('#refused-filters button[type="submit"]').click();
      return (await row.count()) === 1;
    }, 15_000, 'the refused request listed');
    expect(await row.locator('td[data-label="Reason"]').textContent()).toBe('signature_mismatch');
    await row.getByRole('button', { name: 'Re-process' }).click();
    await page.locator('#refused-status').filter({ hasText: 'signature_mismatch' }).waitFor();
    // In bulk: the dry run's count, then the confirmation, which says how they ended.
    await page.locator('#refused-bulk').click();
    await page.locator('#refused-status').filter({ hasText: 'would be re-processed' }).waitFor();
    await page.locator('#refused-confirm').click();
    await page.locator('#refused-status').filter({ hasText: /^Done: \d+ re-processed: .*refused/ }).waitFor();
  });

  it('is readable on a phone: no horizontal scrolling, long errors wrap', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${stack.receiver.url}/ops/#/sagas?outcome=attention`);
    await page.locator('#search').click();
    await page.locator('#sagas tbody tr').first().waitFor();
    expect(await overflow()).toBeLessThanOrEqual(0);
    await page.screenshot({ path: join(ARTIFACTS, 'ops-console-phone.png'), fullPage: true });
    await page.goto(`${stack.receiver.url}/ops/#/saga/${encodeURIComponent(permanent[0]!)}`);
    await page.locator('.failure').waitFor();
    expect(await overflow()).toBeLessThanOrEqual(0);
    await page.goto(`${stack.receiver.url}/ops/#/saga/${encodeURIComponent(undoFailed)}`);
    await page.locator('#detail h2').waitFor();
    expect(await overflow()).toBeLessThanOrEqual(0);
  });

  it('raised no script error and no CSP violation', () => {
    expect(problems).toEqual([]);
  });
});
