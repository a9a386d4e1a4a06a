import type { WorkflowExecutionDescription } from '@temporalio/client';
import type { LoadedDataConverter } from '@temporalio/common';
import { optionalTsToDate } from '@temporalio/common/lib/time';
import { decodedFailure, failureMessage } from './history';

/** A running saga's activities as Temporal describes them: attempts, the next try, the last error, the service waited for. */
export interface PendingActivity {
  activity: string;
  attempt: number;
  lastError?: string;
  state: string;
  /** The downstream that did not answer the last attempt (sagas/clients/http.ts puts it in the failure). */
  service?: string;
  /** When the next attempt is due. */
  nextAttemptAt?: string;
}

/** temporal.api.enums.v1.PendingActivityState, by number. */
const PENDING_STATES: Record<number, string> = { 1: 'scheduled', 2: 'started', 3: 'cancel_requested', 4: 'paused', 5: 'pause_requested' };

export async function pendingActivities(description: WorkflowExecutionDescription, converter: LoadedDataConverter): Promise<PendingActivity[]> {
  return Promise.all(
    (description.raw.pendingActivities ?? []).map(async (p): Promise<PendingActivity> => {
      // Decoded first: with payload encryption on, the failure's details are ciphertext.
      const lastFailure = await decodedFailure(p.lastFailure, converter);
      const detail = lastFailure?.applicationFailureInfo?.details?.payloads?.[0];
      const service = detail ? (converter.payloadConverter.fromPayload<{ service?: unknown }>(detail)?.service as string | undefined) : undefined;
      return {
        activity: p.activityType?.name ?? '?',
        attempt: p.attempt ?? 1,
        lastError: failureMessage(lastFailure),
        state: PENDING_STATES[Number(p.state ?? 0)] ?? 'unknown',
        service: typeof service === 'string' ? service : undefined,
        nextAttemptAt: optionalTsToDate(p.nextAttemptScheduleTime)?.toISOString(),
      };
    }),
  );
}

/** The activity a saga is retrying (one that failed before), if any. */
export function retrying(pending: PendingActivity[]): PendingActivity | undefined {
  return pending.find((p) => p.attempt > 1 || p.lastError);
}
