import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { withoutMachinePaths } from '../../scripts/lib/histories';

const HISTORIES_DIR = join(__dirname, '..', 'fixtures', 'histories');
/** An absolute path to a source file, as a stack trace frame names it: `(/x/y/z.ts:1:2)` or `at /x/y.js:1`. */
const ABSOLUTE_FRAME = /(?:\(|at |file:\/\/)\/(?:[^\s/():]+\/)+[^\s/():]+\.[cm]?[jt]s\b/;

describe('recorded histories', () => {
  it.each(readdirSync(HISTORIES_DIR).filter((f) => f.endsWith('.json')))('%s names no absolute path', (file) => {
    expect(readFileSync(join(HISTORIES_DIR, file), 'utf8')).not.toMatch(ABSOLUTE_FRAME);
  });

  it('are written with stack traces relative to the repository', () => {
    const root = '/srv/build/webhook-sagas';
    const trace = [
      'ApplicationFailure: front POST /front/conversations/cnv_1/comments answered 503',
      `    at Function.create (${root}/node_modules/@temporalio/common/src/failure.ts:228:12)`,
      `    at withAttempt (${root}/sagas/activities/report.ts:49:29)`,
      '    at async Activity.execute (/usr/lib/node_modules/@temporalio/worker/src/activity.ts:145:14)',
      '    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)',
    ].join('\n');
    const history = { events: [{ failure: { stackTrace: trace, message: 'answered 503' } }] };
    const cleaned = withoutMachinePaths(history, `${root}/`);
    expect(ABSOLUTE_FRAME.test(trace)).toBe(true);
    expect(JSON.stringify(cleaned)).not.toMatch(ABSOLUTE_FRAME);
    expect(cleaned.events[0]!.failure.stackTrace.split('\n')).toEqual([
      'ApplicationFailure: front POST /front/conversations/cnv_1/comments answered 503',
      '    at Function.create (node_modules/@temporalio/common/src/failure.ts:228:12)',
      '    at withAttempt (sagas/activities/report.ts:49:29)',
      '    at async Activity.execute (node_modules/@temporalio/worker/src/activity.ts:145:14)',
      '    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)',
    ]);
    expect(cleaned.events[0]!.failure.message).toBe('answered 503');
  });
});
