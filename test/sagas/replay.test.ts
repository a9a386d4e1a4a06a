import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import * as workflows from '../../sagas/workflows';
import { sagaMetricsSinks } from '../../src/worker/saga-metrics';
import { dataConverter, newPayloadKey, parsePayloadKeys } from '../../src/temporal/codec';

/**
 * Replays every recorded history (test/fixtures/histories, written by scripts/record-histories.ts)
 * against today's workflow bundle. A change to a saga that would break a run already in flight (a
 * step added, removed or reordered without `patched()`) fails here with a DeterminismViolationError.
 * They replay through the payload codec, as a production worker has it (src/temporal/codec.ts): the
 * histories recorded before encryption pass through it unchanged.
 */
const HISTORIES_DIR = join(__dirname, '..', 'fixtures', 'histories');
const files = readdirSync(HISTORIES_DIR).filter((f) => f.endsWith('.json'));

function load(file: string) {
  const json = JSON.parse(readFileSync(join(HISTORIES_DIR, file), 'utf8'));
  return { workflowId: file.replace(/\.json$/, ''), history: historyFromJSON(json), json };
}

function workflowTypeOf(json: { events: { workflowExecutionStartedEventAttributes?: { workflowType?: { name?: string } } }[] }): string | undefined {
  return json.events[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name;
}

describe('recorded histories', () => {
  it('cover every saga in the bundle', () => {
    const recorded = new Set(files.map((f) => workflowTypeOf(load(f).json)));
    expect([...recorded].sort()).toEqual(Object.keys(workflows).sort());
  });

  it('all replay against the current saga code', async () => {
    const codePath = process.env.TEST_WORKFLOW_BUNDLE;
    if (!codePath) throw new Error('TEST_WORKFLOW_BUNDLE is not set: run through jest (global setup bundles the workflows)');
    const results: { workflowId: string; error?: string }[] = [];
    for await (const result of Worker.runReplayHistories({ workflowBundle: { codePath }, sinks: sagaMetricsSinks, dataConverter: dataConverter(parsePayloadKeys(newPayloadKey('replay'))) }, files.map(load))) {
      results.push({ workflowId: result.workflowId, ...(result.error ? { error: `${result.error.name}: ${result.error.message}` } : {}) });
    }
    expect(results).toHaveLength(files.length);
    expect(results.filter((r) => r.error)).toEqual([]);
  });
});
