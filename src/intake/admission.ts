import type { Logger } from '../logger';

export interface AdmissionOptions {
  /** Direct saga starts in flight at most; a delivery that finds them all taken is queued. */
  maxInFlight: number;
  /** Recent start latency above this: deliveries are queued instead of waiting on the engine. */
  latencyBudgetMs: number;
  /** Once queueing, at least this long (and this long after the last failure) before direct starts resume. */
  holdMs: number;
  logger: Logger;
}

/** How a start to Temporal settled: its latency when Temporal answered, or the failure when it did not. */
export type StartOutcome = { ms: number } | { failed: unknown };

/** A direct start the admission let through; `done` must be called once when it settles. */
export interface Ticket {
  done(outcome: StartOutcome): void;
}

/** Weight of the newest sample in the recent latency (an exponentially weighted moving average). */
const SMOOTHING = 0.2;

/**
 * Decides, per delivery, whether its saga start goes straight to Temporal or straight to the outbox,
 * so that a vendor never waits on the engine's queue. Direct while fewer than maxInFlight direct
 * starts are in flight and the recent start latency (direct starts and the forwarder's) is within
 * the budget; otherwise queueing. Back to direct (hysteresis) only after holdMs, once the latency is
 * under half the budget and the bound is half free: the engine caught up, it did not just answer
 * one start quickly. While queueing, one delivery at a time probes Temporal when no start told
 * how it is doing for holdMs. Each change is logged once, with what happened in the state left.
 */
export class Admission {
  private inFlight = 0;
  private recentMs = 0;
  private lastSampleAt = 0;
  private probing = false;
  /** Set while queueing. */
  private queueing: { since: number; holdUntil: number; queued: number } | undefined;
  private directSince = Date.now();
  private directStarts = 0;

  constructor(private readonly options: AdmissionOptions) {}

  /** Whether deliveries are being queued rather than started (for tests and metrics). */
  get isQueueing(): boolean {
    return this.queueing !== undefined;
  }

  /** A ticket for a direct start, or undefined: queue the delivery. */
  admit(): Ticket | undefined {
    const now = Date.now();
    if (!this.queueing) {
      if (this.inFlight < this.options.maxInFlight) return this.ticket(false);
      this.enter(now, 'direct starts in flight reached the bound');
    }
    const q = this.queueing!;
    if (!this.probing && now >= q.holdUntil && now - this.lastSampleAt >= this.options.holdMs) return this.ticket(true);
    q.queued++;
    return undefined;
  }

  /** A start made elsewhere in this process (the forwarder's): how the engine is doing. */
  observe(outcome: StartOutcome): void {
    const now = Date.now();
    if ('failed' in outcome) {
      if (this.queueing) this.queueing.holdUntil = now + this.options.holdMs;
      else this.enter(now, 'temporal did not take a start', (outcome.failed as Error)?.message ?? String(outcome.failed));
      return;
    }
    this.recentMs = this.lastSampleAt === 0 ? outcome.ms : this.recentMs + SMOOTHING * (outcome.ms - this.recentMs);
    this.lastSampleAt = now;
    if (!this.queueing) {
      if (this.recentMs > this.options.latencyBudgetMs) this.enter(now, 'recent start latency over the budget');
    } else if (now >= this.queueing.holdUntil && this.recentMs <= this.options.latencyBudgetMs / 2 && this.inFlight <= this.options.maxInFlight / 2) {
      this.leave(now);
    }
  }

  private ticket(probe: boolean): Ticket {
    this.inFlight++;
    if (probe) this.probing = true;
    else this.directStarts++;
    let settled = false;
    return {
      done: (outcome) => {
        if (settled) return;
        settled = true;
        this.inFlight--;
        if (probe) this.probing = false;
        this.observe(outcome);
      },
    };
  }

  private enter(now: number, why: string, error?: string): void {
    this.options.logger.warn('temporal behind: deliveries go straight to the outbox', {
      why,
      ...(error ? { error } : {}),
      recentLatencyMs: Math.round(this.recentMs),
      inFlight: this.inFlight,
      directStarts: this.directStarts,
      directForMs: now - this.directSince,
    });
    this.queueing = { since: now, holdUntil: now + this.options.holdMs, queued: 0 };
  }

  private leave(now: number): void {
    const q = this.queueing!;
    this.options.logger.info('temporal caught up: sagas start directly again', {
      recentLatencyMs: Math.round(this.recentMs),
      queued: q.queued,
      queuedForMs: now - q.since,
    });
    this.queueing = undefined;
    this.directSince = now;
    this.directStarts = 0;
  }
}
