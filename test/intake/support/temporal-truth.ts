import type { Client } from '@temporalio/client';

/**
 * What Temporal itself holds, read through its visibility API: the drills check these, never the
 * receiver's own counters.
 */
export async function executionsBy(client: Client, query: string): Promise<Map<string, number>> {
  const runs = new Map<string, number>();
  for await (const execution of client.workflow.list({ query, pageSize: 1000 })) {
    runs.set(execution.workflowId, (runs.get(execution.workflowId) ?? 0) + 1);
  }
  return runs;
}

export async function runsOf(client: Client, workflowId: string): Promise<number> {
  return (await executionsBy(client, `WorkflowId = '${workflowId}'`)).get(workflowId) ?? 0;
}
