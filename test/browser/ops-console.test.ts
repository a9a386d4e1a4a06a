import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import { WorkflowFailedError } from '@temporalio/client';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { FRONT_REFUSES_COMMENTS, eventually, startOpsStack, token, type OpsStack } from '../ops/support';

/**
 * The console in a real browser: Debian's headless chromium (installed by scripts/test.sh, never a
 * browser download) driven by playwright-core. Sagas fail through the downstream sandbox; the fault
 * is cleared; the engineer signs in, filters the failed sagas, opens one and replays it.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = resolve(__dirname, '..', '..', 'test-artifacts');

let stack: OpsStack;
let context: BrowserContext;
let page: Page;
let profileDir: string;
const problems: string[] = [];
const batch = `brw-${randomUUID().slice(0, 8)}`;
const workflowIds: string[] = [];

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  stack = await startOpsStack('ops-browser');
  await stack.sandbox.fail(FRONT_REFUSES_COMMENTS);
  for (let i = 1; i <= 3; i++) workflowIds.push(await stack.deliver(`${batch}-${i}`));
  for (const id of workflowIds) await expect(stack.receiver.client.workflow.getHandle(id).result()).rejects.toBeInstanceOf(WorkflowFailedError);
  await stack.sandbox.clear();

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
}, 90_000);

afterAll(async () => {
  await context?.close();
  if (profileDir) rmSync(profileDir, { recursive: true, force: true });
  await stack?.close();
});

describe('the on-call console in chromium', () => {
  it('signs in, filters failed sagas, opens one, replays it and sees it complete', async () => {
    await page.goto(`${stack.receiver.url}/ops/`);
    await page.locator('#token').fill(token('operator', 'oncall-carol'));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#who-name').filter({ hasText: 'oncall-carol' }).waitFor();

    await page.locator('#f-outcome').selectOption('failed');
    await page.locator('#f-source').selectOption('samsara');
    await page.locator('#f-eventKey').fill(`${batch}-*`);
    await page.locator('#search').click();
    const rows = page.locator('#sagas tbody tr');
    await eventually(async () => (await rows.count()) === 3, 15_000, 'three failed sagas in the table');
    expect(await page.locator('#sagas tbody').textContent()).toContain('Compensated');
    await page.screenshot({ path: join(ARTIFACTS, 'ops-console-list.png'), fullPage: true });

    const target = workflowIds[0]!;
    await page.locator(`#sagas tr[data-workflow-id="${target}"]`).click();
    await page.locator('#detail h2').filter({ hasText: target }).waitFor();
    await page.locator('.timeline').waitFor();
    expect(await page.locator('.timeline').textContent()).toMatch(/commentOnFront failed/);
    expect(await page.locator('.timeline').textContent()).toMatch(/undo: undone/);
    expect(await page.locator('.failure').textContent()).toMatch(/archived/);
    await page.screenshot({ path: join(ARTIFACTS, 'ops-console-failed.png'), fullPage: true });

    await page.locator('#replay').click();
    await page.locator('#replay-result').waitFor({ timeout: 30_000 });
    expect(await page.locator('#replay-result').textContent()).toBe('Replay completed.');
    expect(await page.locator('.timeline').textContent()).toMatch(/notifyCustomer completed/);
    await page.screenshot({ path: join(ARTIFACTS, 'ops-console-replayed.png'), fullPage: true });

    // Temporal agrees: the same workflow ID now has a completed run.
    const described = await stack.receiver.client.workflow.getHandle(target).describe();
    expect(described.status.name).toBe('COMPLETED');
    expect(described.memo).toMatchObject({ replay: { by: 'oncall-carol' } });
  });

  it('bulk-replays the rest with a dry run, a confirmation and a progress bar', async () => {
    await page.locator('#back').click();
    await page.locator('#bulk-open').click();
    await page.locator('#bulk-count').waitFor();
    expect(await page.locator('#bulk-count').textContent()).toMatch(/^2 sagas would be replayed \(1 already replayed, skipped\)/);
    await page.locator('#bulk-confirm').click();
    await page.locator('#bulk-status').filter({ hasText: /^Done:/ }).waitFor({ timeout: 30_000 });
    expect(await page.locator('#bulk-status').textContent()).toMatch(/^Done: 2 replayed, 0 refused, 0 errors/);
    expect(await page.locator('#bulk-bar').getAttribute('value')).toBe('2');
    await page.screenshot({ path: join(ARTIFACTS, 'ops-console-bulk.png') });
    await page.locator('#bulk-close').click();
  });

  it('is readable on a phone', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.locator('#search').click();
    await page.locator('#sagas tbody tr').first().waitFor();
    // The table turns into cards: no horizontal scrolling.
    // A string, evaluated in the page: this file is type-checked without the DOM library.
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: join(ARTIFACTS, 'ops-console-phone.png'), fullPage: true });
  });

  it('raised no script error and no CSP violation', () => {
    expect(problems).toEqual([]);
  });
});
