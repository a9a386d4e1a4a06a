import { condition, continueAsNew, getExternalWorkflowHandle, setHandler, workflowInfo } from '@temporalio/workflow';
import { releaseTurnSignal, requestTurnSignal, turnSignal, type LockState, type TurnAnswer, type TurnRequest } from '../../core/saga/entity-lock';

/**
 * One workflow per business entity (a Turvo shipment, a Turvo stop, a Front conversation) that hands
 * out turns to the sagas changing it, one at a time, so their writes never overlap and an older event
 * never overwrites a newer one. Sagas reach it through sagas/workflows/entity-turn.ts; its messages are
 * in core/saga/entity-lock.ts; README, "Entity order", has the design. Everything it knows lives in its
 * own history: nothing outlives a crashed worker.
 */

/**
 * How long a lock with nobody waiting stays open, remembering the newest times applied. An older
 * event arriving later than this after the entity's last event is no longer recognised as older.
 */
export const ENTITY_MEMORY = '7 days';
/** A holder that has not released is checked after this, then at doubling intervals up to the cap. */
const FIRST_PROBE_MS = 3_000;
const MAX_PROBE_MS = 60_000;
/** Turns per run before continue-as-new (the server may suggest it earlier). */
const TURNS_PER_RUN = 500;

/**
 * The next waiter: the first to arrive, unless a waiter of the same vendor clock has an older event,
 * which then goes first (so events that queue up together apply in the vendor's order).
 */
function takeNext(waiting: TurnRequest[]): TurnRequest | undefined {
  const first = waiting[0];
  if (!first) return undefined;
  let next = first;
  if (first.at !== undefined) {
    for (const w of waiting) if (w.clock === first.clock && w.at !== undefined && w.at < next.at!) next = w;
  }
  waiting.splice(waiting.indexOf(next), 1);
  return next;
}

/** Signals a saga; false when it is gone (closed or terminated): Temporal refuses the signal. */
async function tell(request: TurnRequest, answer: TurnAnswer): Promise<boolean> {
  try {
    await getExternalWorkflowHandle(request.workflowId).signal(turnSignal, answer);
    return true;
  } catch {
    return false;
  }
}

export async function entityLockWorkflow(initial: LockState): Promise<LockState> {
  const state: LockState = { ...initial, newest: { ...initial.newest }, waiting: [...initial.waiting] };
  const same = (a: { workflowId: string } | undefined, b: { workflowId: string }) => a?.workflowId === b.workflowId;

  setHandler(requestTurnSignal, (request) => {
    // A saga repeats its request until answered: keep one entry per saga, with its latest ticket
    // (a holder reset to before its grant asks again under a new one; the next probe grants it).
    if (same(state.holder, request)) state.holder = { ...state.holder!, ticket: request.ticket };
    else if (state.waiting.some((w) => same(w, request))) state.waiting = state.waiting.map((w) => (same(w, request) ? request : w));
    else state.waiting.push(request);
  });
  setHandler(releaseTurnSignal, (release) => {
    if (same(state.holder, release)) {
      const holder = state.holder!;
      if (release.applied && holder.at !== undefined && holder.at >= (state.newest[holder.clock]?.at ?? -Infinity)) {
        state.newest[holder.clock] = { at: holder.at, workflowId: holder.workflowId };
      }
      state.holder = undefined;
    } else {
      state.waiting = state.waiting.filter((w) => !same(w, release));
    }
  });

  let turns = 0;
  for (;;) {
    if (!state.holder) {
      if (turns >= TURNS_PER_RUN || workflowInfo().continueAsNewSuggested) await continueAsNew<typeof entityLockWorkflow>(state);
      // Every waiter older than what its clock already applied is answered at once, all together.
      const older = state.waiting.filter((w) => w.at !== undefined && w.at < (state.newest[w.clock]?.at ?? -Infinity));
      if (older.length > 0) {
        state.waiting = state.waiting.filter((w) => !older.includes(w));
        await Promise.all(older.map((w) => tell(w, { ticket: w.ticket, granted: false, newest: state.newest[w.clock]! })));
        continue;
      }
      const next = takeNext(state.waiting);
      if (!next) {
        if (!(await condition(() => state.waiting.length > 0, ENTITY_MEMORY))) return state;
        continue;
      }
      // The holder is set before the signal goes out, so a release that races it is not lost.
      state.holder = next;
      turns++;
      if (!(await tell(next, { ticket: next.ticket, granted: true })) && same(state.holder, next)) state.holder = undefined;
    }

    // Wait for the release. A holder that never sends one (terminated) is found by probing it:
    // Temporal refuses a signal to a closed workflow.
    for (let probeMs = FIRST_PROBE_MS; state.holder; probeMs = Math.min(probeMs * 2, MAX_PROBE_MS)) {
      const holder = state.holder;
      if (await condition(() => !same(state.holder, holder), probeMs)) break;
      if (!(await tell(holder, { ticket: holder.ticket, granted: true })) && same(state.holder, holder)) state.holder = undefined;
    }
  }
}
