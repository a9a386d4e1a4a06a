import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { WorkflowFailedError } from '@temporalio/client';
import { FRONT_REFUSES_COMMENTS, startOpsStack, token, type OpsStack } from './support';
import { until } from '../support/eventually';

/** `npm run ops`: the same API from the terminal, against the real app, Temporal and sandbox. */
const run = promisify(execFile);
const ROOT = resolve(__dirname, '..', '..');
let stack: OpsStack;
let ids: string[];

beforeAll(async () => {
  stack = await startOpsStack('ops-cli');
  await stack.sandbox.fail(FRONT_REFUSES_COMMENTS);
  ids = [await stack.deliver(), await stack.deliver()];
  for (const id of ids) await expect(stack.receiver.client.workflow.getHandle(id).result()).rejects.toBeInstanceOf(WorkflowFailedError);
  await stack.sandbox.clearFaults();
}, 60_000);

afterAll(async () => {
  await stack?.close();
});

/** Runs the CLI as a child process (never blocking this process, which serves the API it calls). */
async function ops(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run(process.execPath, ['--import', 'tsx', 'scripts/ops.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, OPS_URL: stack.receiver.url, OPS_TOKEN: token('operator', 'oncall-dave') },
    timeout: 30_000,
  });
}

describe('npm run ops', () => {
  it('lists, shows, dry-runs and bulk-replays with a progress bar', async () => {
    const filter = ['--outcome', 'failed', '--task-queue', stack.taskQueue];
    const listed = await until(async () => {
      const { stdout } = await ops('list', ...filter);
      return ids.every((id) => stdout.includes(id)) ? stdout : undefined;
    }, 20_000, 'both failed sagas listed');
    expect(listed).toMatch(/compensated\s+commentOnFront\s+front 422\s+samsara\s+RouteStopArrival/);

    // Grouped by cause, with the command that replays the group.
    const causes = (await ops('causes')).stdout;
    expect(causes).toMatch(/^2\s+commentOnFront\s+front 422\s+npm run ops -- replay --outcome attention --step 'commentOnFront' --error 'front 422'$/m);
    expect((await ops('counts')).stdout).toMatch(/^need attention 2 {2}\(permanent, no replay can cure: 0; fixed by a replay: 0\)$/m);

    // One search box: the workflow ID, or the delivery id the vendor shows.
    const { deliveryId } = JSON.parse((await ops('show', ids[1]!, '--json')).stdout).delivery;
    expect((await ops('find', ids[1]!)).stdout).toMatch(new RegExp(`^found by workflowId:[\\s\\S]*${ids[1]}$`, 'm'));
    expect((await ops('find', deliveryId)).stdout).toContain('found by deliveryId:');

    const shown = (await ops('show', ids[0]!)).stdout;
    expect(shown).toContain(`${ids[0]}  compensated`);
    expect(shown).toMatch(/commentOnFront\s+failed/);
    expect(shown).toMatch(/undo undone/);
    expect(shown).toContain('replayable: yes');

    const dry = (await ops('replay', ...filter)).stdout;
    expect(dry).toContain('2 saga(s) would be replayed.');
    expect(dry).toMatch(/front 422/);
    expect(dry).toContain('add --yes --expect 2');

    const bulk = await ops('replay', ...filter, '--yes', '--expect', '2');
    expect(bulk.stdout).toContain('done: 2 replayed, 0 refused, 0 errors');
    expect(bulk.stderr).toMatch(/\[#{30}\] 2\/2/);

    for (const id of ids) expect((await stack.receiver.client.workflow.getHandle(id).describe()).memo).toMatchObject({ replay: { by: 'oncall-dave' } });
    const audit = (await ops('audit', '--limit', '50')).stdout;
    expect(audit).toMatch(/oncall-dave\s+bulk_replay_finished/);
  });

  it('says which option is wrong and in what form, and stops quietly when the reader closes the pipe', async () => {
    await expect(ops('list', '--since', 'yesterday')).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('--since takes 30m, 2h, 7d (that long ago) or an ISO time') });
    await expect(ops('list', '--limit', 'ten')).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('--limit takes a whole number of 1 or more, not "ten"') });
    // `ops audit | head -n 0`: the reader is gone before the first line; the CLI ends with 0, no EPIPE stack trace (pipefail: its own exit code).
    const piped = await run('bash', ['-o', 'pipefail', '-c', `${process.execPath} --import tsx scripts/ops.ts audit --limit 200 | head -n 0`], {
      cwd: ROOT,
      env: { ...process.env, OPS_URL: stack.receiver.url, OPS_TOKEN: token('viewer') },
      timeout: 30_000,
    });
    expect(piped.stdout).toBe('');
    expect(piped.stderr).not.toMatch(/EPIPE|Error/);
  });

  it('refuses a replay of a completed saga with the API reason and a failing exit code', async () => {
    await stack.receiver.client.workflow.getHandle(ids[0]!).result();
    await expect(ops('replay', ids[0]!)).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('409 replay_refused_completed') });
  });
});
