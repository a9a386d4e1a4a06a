import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultDataConverter } from '@temporalio/common/lib/converter/data-converter';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { causeFromCloseEvent } from '../../src/ops/cause';

/**
 * The cause the console groups by, read from the closing event of histories recorded from real runs
 * (test/fixtures/histories, `npm run record-histories`): no server needed.
 */
const converter = defaultDataConverter;

function closeEvent(file: string) {
  const history = historyFromJSON(JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'histories', file), 'utf8')));
  const events = history.events ?? [];
  return events[events.length - 1];
}

it('a compensated saga: the step that failed and the service with its HTTP status, curable', () => {
  expect(causeFromCloseEvent(closeEvent('samsara-route-stop-compensated.json'), converter)).toMatchObject({
    failedStep: 'commentOnFront',
    errorClass: expect.stringMatching(/^front 4\d\d$/),
    failureType: 'DownstreamRefused',
    permanent: false,
    leftUndone: [],
  });
});

it('a compensation_failed saga: the undo that failed and the write it left in place', () => {
  const cause = causeFromCloseEvent(closeEvent('samsara-route-stop-compensation-failed.json'), converter);
  expect(cause?.leftUndone.length).toBeGreaterThan(0);
  expect(cause?.leftUndone[0]).toMatchObject({ phase: 'undo', step: expect.any(String), error: expect.any(String) });
});

it('a completed saga has no cause', () => {
  expect(causeFromCloseEvent(closeEvent('samsara-route-stop-completed.json'), converter)).toBeUndefined();
});
