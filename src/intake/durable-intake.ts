import type { Client } from '@temporalio/client';
import type { SagaInputRef } from '../../core/saga/input';
import type { SagaInput } from '../../core/saga/input';
import { ServiceUnavailableError } from '../../core/errors';
import type { Admission, StartOutcome } from './admission';
import type { Intake, IntakeRequest, IntakeResult } from './intake';
import type { Logger } from '../logger';
import { startSaga, type StartResult } from '../temporal/start-saga';
import { causeOf } from './dead-letters';
import type { DependencyState } from './health-state';
import { UNKNOWN_RUN, type DedupLedger } from './ledger';
import type { Outbox } from './outbox';
import type { PayloadStore } from '../../core/saga/input';
import { isRefusedForGood } from './temporal';

/**
 * Temporal's default limit for one payload is 2 MB. When the payload store is down, an event up to
 * this size still travels inline rather than being refused.
 */
export const INLINE_CEILING_BYTES = 1.5 * 1024 * 1024;

export interface DurableIntakeDeps {
  client: Client;
  taskQueue: string;
  /** Longest a direct saga start may take before the delivery falls back to the outbox. */
  startTimeoutMs: number;
  /** Decides per delivery: a direct start, or straight to the outbox (src/intake/admission.ts). */
  admission: Admission;
  retryAfterSeconds: number;
  ledger: DedupLedger;
  /** Only appended to here; the forwarder reads it. */
  outbox: Pick<Outbox, 'append'>;
  payloads: PayloadStore;
  largePayloadBytes: number;
  state: DependencyState;
}

/**
 * Starts a saga and records the accepted workflow ID in the ledger. Shared by the intake and the
 * forwarder; `settled` hears how the start itself went (its latency, or a failure that retrying may
 * cure), before the ledger is written.
 */
export async function startAndRecord(
  deps: Pick<DurableIntakeDeps, 'client' | 'taskQueue' | 'ledger' | 'state'>,
  start: { workflowId: string; saga: string; input: SagaInput | SagaInputRef },
  timeoutMs: number,
  log: Logger,
  settled: (outcome: StartOutcome) => void,
): Promise<StartResult> {
  const startedAt = Date.now();
  let result: StartResult;
  try {
    result = await startSaga(deps.client, { ...start, taskQueue: deps.taskQueue }, timeoutMs);
  } catch (err) {
    // Refused as invalid: Temporal answered, so that is a latency like any other.
    settled(isRefusedForGood(err) ? { ms: Date.now() - startedAt } : { failed: err });
    throw err;
  }
  settled({ ms: Date.now() - startedAt });
  try {
    await deps.ledger.record(start.workflowId, result.duplicate ? UNKNOWN_RUN : result.runId);
  } catch (err) {
    // Temporal holds the run, which is what counts; the ledger only saves a later round trip.
    deps.state.failed('redis', err, 'dedup ledger not written; duplicates are checked by Temporal');
    log.debug('ledger not written', { error: (err as Error).message });
  }
  return result;
}

/**
 * The receiver's intake: a 2xx means the event is durable. In order:
 * 1. the ledger answers known repeats without a Temporal round trip (a miss falls through);
 * 2. an event over the threshold is stored apart and replaced by a reference;
 * 3. Temporal gets the start when the admission says the engine keeps up, within a deadline (it
 *    dedups by workflow ID, so concurrent first deliveries are safe);
 * 4. otherwise, or if Temporal does not take it, the start goes to the Redis outbox for the forwarder;
 * 5. if Redis does not take it either: Temporal after all when it was not asked yet, else 503 with
 *    Retry-After (the vendor retries, nothing was written).
 */
export function durableIntake(deps: DurableIntakeDeps): Intake {
  async function known(workflowId: string): Promise<boolean> {
    // Answered from memory, Redis was not asked: that says nothing about whether Redis is up.
    if (deps.ledger.remembers?.(workflowId)) return true;
    try {
      const runId = await deps.ledger.find(workflowId);
      deps.state.recovered('redis');
      return runId !== undefined;
    } catch (err) {
      deps.state.failed('redis', err, 'no ledger, outbox or payload store; sagas start straight on Temporal, which still dedups');
      return false;
    }
  }

  async function prepare(input: SagaInput, log: Logger): Promise<SagaInput | SagaInputRef> {
    const bytes = Buffer.from(JSON.stringify(input.event) ?? 'null');
    if (bytes.length <= deps.largePayloadBytes) return input;
    try {
      const eventRef = await deps.payloads.put(bytes);
      log.info('large event stored outside the workflow input', { bytes: bytes.length, payloadKey: eventRef.key });
      return { meta: input.meta, eventRef };
    } catch (err) {
      deps.state.failed('redis', err, 'large events travel inline up to 1.5 MiB');
      if (bytes.length <= INLINE_CEILING_BYTES) return input;
      throw new ServiceUnavailableError('payload_store_unavailable', deps.retryAfterSeconds);
    }
  }

  return {
    async submit(req: IntakeRequest, log: Logger): Promise<IntakeResult> {
      if (await known(req.workflowId)) return { duplicate: true, workflowId: req.workflowId };
      const input = await prepare(req.input, log);
      const start = { workflowId: req.workflowId, saga: req.saga, input };

      const ticket = deps.admission.admit();
      if (ticket) {
        try {
          return await startAndRecord(deps, start, deps.startTimeoutMs, log, ticket.done);
        } catch (err) {
          log.warn('temporal did not accept the saga start: queueing it', { cause: causeOf(err).cause });
        }
      }

      let queued: Awaited<ReturnType<Outbox['append']>>;
      try {
        queued = await deps.outbox.append({ ...start, queuedAt: new Date().toISOString() });
        deps.state.recovered('redis');
      } catch (err) {
        deps.state.failed('redis', err, 'deliveries wait on Temporal, and get 503 when it does not take them either');
        // Queued without asking Temporal, and the outbox is down: Temporal is the only way left.
        if (!ticket) {
          try {
            return await startAndRecord(deps, start, deps.startTimeoutMs, log, (outcome) => deps.admission.observe(outcome));
          } catch {
            // answered 503 below
          }
        }
        log.error('neither temporal nor redis accepted the event', { error: (err as Error).message });
        throw new ServiceUnavailableError('temporarily_unavailable', deps.retryAfterSeconds);
      }
      if (!queued.appended) {
        log.info('repeat of a start still queued in the outbox', { outboxId: queued.id });
        return { duplicate: true, workflowId: req.workflowId };
      }
      log.info('saga start queued in the outbox');
      return { duplicate: false, queued: true, workflowId: req.workflowId };
    },
  };
}
