import { ApplicationFailure } from '@temporalio/common';
import type { PayloadStore } from '../../core/saga/input';
import type { EventRef } from '../../core/saga/input';
import { PERMANENT_FAILURE } from '../../core/saga/failures';

/** Activities that resolve events the receiver stored outside the workflow input (sagas/workflows/load-event.ts). */
export function createPayloadActivities(store: PayloadStore) {
  return {
    async loadEventPayload(ref: EventRef): Promise<unknown> {
      if (ref.store !== store.name) {
        throw ApplicationFailure.nonRetryable(`event payload is in store "${ref.store}", this worker reads "${store.name}"`, 'EventPayloadStoreMismatch');
      }
      const bytes = await store.get(ref);
      // Retrying cannot bring back bytes that expired: fail the saga with a reason an operator can act on.
      if (!bytes) throw ApplicationFailure.nonRetryable(`event payload ${ref.key} is gone (PAYLOAD_TTL_SECONDS passed?)`, PERMANENT_FAILURE.EventPayloadMissing);
      return JSON.parse(bytes.toString('utf8')) as unknown;
    },
  };
}

export type PayloadActivities = ReturnType<typeof createPayloadActivities>;
