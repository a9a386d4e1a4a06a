import type { LoadedDataConverter } from '@temporalio/common';
import { decode, decodeFailure } from '@temporalio/common/lib/internal-non-workflow';
import type { History } from '@temporalio/common/lib/proto-utils';
import { optionalTsToDate } from '@temporalio/common/lib/time';
import type { SagaFailureDetails, SagaStatus } from '../../core/saga/status';

/**
 * A saga's step timeline rebuilt from its event history, for closed sagas: no worker is needed (the
 * `status` query needs one to replay the workflow). The toolkit upserts the SagaStep search attribute
 * before each step and each undo (`undo:<step>`), so every activity call belongs to the SagaStep value
 * current when it was scheduled; Temporal records a call's retries as attempts of one scheduled event.
 */

type HistoryEvent = NonNullable<History['events']>[number];
type ProtoFailure = NonNullable<NonNullable<HistoryEvent['activityTaskFailedEventAttributes']>['failure']>;

export type CallState = 'scheduled' | 'completed' | 'failed' | 'timed_out' | 'canceled';

/** One activity call: Temporal retries it under one scheduled event, so attempts are counted here. */
export interface ActivityCall {
  activity: string;
  state: CallState;
  attempts: number;
  scheduledAt?: string;
  endedAt?: string;
  /** The error of the last attempt, or of the one before when a retry then succeeded. */
  error?: string;
}

export interface UndoView {
  state: 'undone' | 'undo_failed' | 'undoing';
  error?: string;
  attempts?: number;
  calls: ActivityCall[];
}

export interface TimelineStep {
  step: string;
  /** How the step itself went; its undo, if one ran, is beside it. */
  state: 'running' | 'completed' | 'failed' | 'interrupted';
  attempts?: number;
  startedAt?: string;
  endedAt?: string;
  error?: string;
  calls: ActivityCall[];
  undo?: UndoView;
}

export interface Timeline {
  /** 'history' for a closed saga, 'query' when the running saga answered its status query. */
  from: 'history' | 'query';
  steps: TimelineStep[];
}

export interface WorkflowFailure {
  type?: string;
  message: string;
  cause?: string;
  saga?: SagaFailureDetails;
}

function num(value: unknown): number {
  return typeof value === 'number' ? value : Number(String(value));
}

function iso(event: HistoryEvent): string | undefined {
  return optionalTsToDate(event.eventTime)?.toISOString();
}

export function failureMessage(failure: ProtoFailure | null | undefined): string | undefined {
  if (!failure) return undefined;
  const cause = failure.cause?.message;
  return cause && cause !== failure.message ? `${failure.message}: ${cause}` : (failure.message ?? undefined);
}

function decodeSagaStep(event: HistoryEvent, converter: LoadedDataConverter): string | undefined {
  const payload = event.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields?.SagaStep;
  if (!payload) return undefined;
  const value = converter.payloadConverter.fromPayload<unknown>(payload);
  return Array.isArray(value) ? String(value[0]) : String(value);
}

/** The first event of a run: its input (the saga's arguments), workflow type and task queue. */
export function startedAttributes(history: History) {
  const attrs = history.events?.[0]?.workflowExecutionStartedEventAttributes;
  if (!attrs) throw new Error('history does not begin with WorkflowExecutionStarted');
  return attrs;
}

/** The failure a closed run ended with, with the saga's structured details when it is a SagaFailed. */
export function workflowFailure(history: History, converter: LoadedDataConverter): WorkflowFailure | undefined {
  const events = history.events ?? [];
  const last = events[events.length - 1];
  const failure = last?.workflowExecutionFailedEventAttributes?.failure;
  if (failure) {
    const type = failure.applicationFailureInfo?.type ?? undefined;
    let saga: SagaFailureDetails | undefined;
    const payload = failure.applicationFailureInfo?.details?.payloads?.[0];
    if (type === 'SagaFailed' && payload) saga = converter.payloadConverter.fromPayload<SagaFailureDetails>(payload);
    return { type, message: failure.message ?? '', cause: failure.cause?.message ?? undefined, saga };
  }
  if (last?.workflowExecutionTerminatedEventAttributes) {
    return { type: 'Terminated', message: last.workflowExecutionTerminatedEventAttributes.reason || 'terminated' };
  }
  if (last?.workflowExecutionTimedOutEventAttributes) return { type: 'TimedOut', message: 'workflow timed out' };
  if (last?.workflowExecutionCanceledEventAttributes) return { type: 'Canceled', message: 'workflow canceled' };
  return undefined;
}

interface Segment {
  /** The SagaStep value: a step's name, or `undo:<step>` while that step is undone. */
  name: string;
  startedAt?: string;
  calls: ActivityCall[];
}

/** Activity calls by scheduled event, grouped under the SagaStep value current when they were scheduled. */
function segments(history: History, converter: LoadedDataConverter): Segment[] {
  const segs: Segment[] = [];
  const calls = new Map<number, ActivityCall>();
  for (const event of history.events ?? []) {
    const name = decodeSagaStep(event, converter);
    if (name) {
      segs.push({ name, startedAt: iso(event), calls: [] });
      continue;
    }
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled) {
      const call: ActivityCall = { activity: scheduled.activityType?.name ?? '?', state: 'scheduled', attempts: 0, scheduledAt: iso(event) };
      calls.set(num(event.eventId), call);
      segs[segs.length - 1]?.calls.push(call);
      continue;
    }
    const started = event.activityTaskStartedEventAttributes;
    if (started) {
      const call = calls.get(num(started.scheduledEventId));
      if (call) {
        call.attempts = started.attempt ?? 1;
        // Set when earlier attempts failed and were retried.
        call.error = failureMessage(started.lastFailure) ?? call.error;
      }
      continue;
    }
    const ended =
      (event.activityTaskCompletedEventAttributes && { state: 'completed' as const, a: event.activityTaskCompletedEventAttributes }) ||
      (event.activityTaskFailedEventAttributes && { state: 'failed' as const, a: event.activityTaskFailedEventAttributes }) ||
      (event.activityTaskTimedOutEventAttributes && { state: 'timed_out' as const, a: event.activityTaskTimedOutEventAttributes }) ||
      (event.activityTaskCanceledEventAttributes && { state: 'canceled' as const, a: event.activityTaskCanceledEventAttributes });
    if (ended) {
      const call = calls.get(num(ended.a.scheduledEventId));
      if (call) {
        call.state = ended.state;
        call.endedAt = iso(event);
        const failure = 'failure' in ended.a ? (ended.a.failure as ProtoFailure | null | undefined) : undefined;
        if (failure) call.error = failureMessage(failure);
        else if (ended.state === 'completed') call.error = undefined;
      }
    }
  }
  return segs;
}

const UNDO_PREFIX = 'undo:';

/**
 * Decodes, in place, the payloads the console reads from a history (the saga's input, the failure it
 * ended with) through the client's codecs: encrypted ones (src/temporal/codec.ts) become readable.
 */
export async function decodeHistory(history: History, converter: LoadedDataConverter): Promise<History> {
  const events = history.events ?? [];
  const started = events[0]?.workflowExecutionStartedEventAttributes;
  if (started?.input?.payloads) started.input.payloads = await decode(converter.payloadCodecs, started.input.payloads);
  await decodeClosingFailure(events[events.length - 1], converter);
  return history;
}

/** Decodes, in place, the failure a run's closing event carries (if it failed). */
export async function decodeClosingFailure(event: HistoryEvent | null | undefined, converter: LoadedDataConverter): Promise<void> {
  const failed = event?.workflowExecutionFailedEventAttributes;
  if (failed?.failure) failed.failure = await decodeFailure(converter.payloadCodecs, failed.failure);
}

/** A failure as Temporal reports it (e.g. a pending activity's last one), decoded through the client's codecs. */
export async function decodedFailure(failure: ProtoFailure | null | undefined, converter: LoadedDataConverter): Promise<ProtoFailure | undefined> {
  return failure ? decodeFailure(converter.payloadCodecs, failure) : undefined;
}

function attemptsOf(calls: ActivityCall[]): number | undefined {
  return calls.length ? calls.reduce((n, c) => n + c.attempts, 0) : undefined;
}

/** Rebuilds the step timeline of a run from its history (and its SagaFailed details, if it failed). */
export function timelineFromHistory(history: History, converter: LoadedDataConverter): Timeline {
  const events = history.events ?? [];
  const closed = events.length > 0 && isClosingEvent(events[events.length - 1]!);
  const details = workflowFailure(history, converter)?.saga;
  const steps: TimelineStep[] = [];
  const byName = new Map<string, TimelineStep>();

  for (const seg of segments(history, converter)) {
    if (seg.name.startsWith(UNDO_PREFIX)) {
      const step = byName.get(seg.name.slice(UNDO_PREFIX.length));
      const last = seg.calls[seg.calls.length - 1];
      const undo: UndoView = {
        state: !last || last.state === 'scheduled' ? 'undoing' : last.state === 'completed' ? 'undone' : 'undo_failed',
        error: last && last.state !== 'completed' ? last.error : undefined,
        attempts: attemptsOf(seg.calls),
        calls: seg.calls,
      };
      // The toolkit announces an undo only after its step started, so the step is there.
      if (step) step.undo = undo;
      continue;
    }
    const step: TimelineStep = { step: seg.name, state: 'completed', startedAt: seg.startedAt, calls: seg.calls, attempts: attemptsOf(seg.calls) };
    const last = seg.calls[seg.calls.length - 1];
    step.endedAt = last?.endedAt;
    if (last && last.state !== 'completed') {
      step.state = last.state === 'scheduled' ? (closed ? 'interrupted' : 'running') : 'failed';
      step.error = last.error;
    } else if (!last && !closed) {
      step.state = 'running';
    }
    steps.push(step);
    byName.set(step.step, step);
  }

  const failed = details && byName.get(details.failedStep);
  if (failed) {
    failed.state = 'failed';
    failed.error = details.error;
  }
  return { from: 'history', steps };
}

function isClosingEvent(event: HistoryEvent): boolean {
  return !!(
    event.workflowExecutionCompletedEventAttributes ||
    event.workflowExecutionFailedEventAttributes ||
    event.workflowExecutionTerminatedEventAttributes ||
    event.workflowExecutionTimedOutEventAttributes ||
    event.workflowExecutionCanceledEventAttributes ||
    event.workflowExecutionContinuedAsNewEventAttributes
  );
}

/** The running saga's own account (its `status` query), in the same shape. */
export function timelineFromStatus(status: SagaStatus): Timeline {
  return {
    from: 'query',
    steps: status.steps.map((s) => {
      const ran: TimelineStep['state'] = s.lastError ? 'failed' : s.state === 'running' ? 'running' : 'completed';
      const undo = s.undo;
      return {
        step: s.step,
        state: ran,
        attempts: s.attempts,
        startedAt: s.startedAt,
        endedAt: s.endedAt,
        error: s.lastError,
        calls: [],
        undo: undo
          ? { state: undo.state === 'done' ? 'undone' : undo.state === 'failed' ? 'undo_failed' : 'undoing', error: undo.error, attempts: undo.attempts, calls: [] }
          : undefined,
      };
    }),
  };
}
