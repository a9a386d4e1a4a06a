import type { EventRef, PayloadStore } from '../../core/saga/input';
import type { DedupLedger } from '../../src/intake/ledger';
import type { Outbox, QueuedStart } from '../../src/intake/outbox';
import { sha256Hex } from '../../src/intake/payload-store';

/**
 * In-memory stand-ins for the intake's Redis stores, behind the same interfaces, for the unit tier
 * (no Redis): what the intake decides, not what Redis guarantees. Atomicity, streams, consumer
 * groups, TTLs and failover are proven on the real Redis (test/intake/, test/drills/). Each store
 * can be put `down`: every call then rejects, as a Redis that does not answer.
 */
interface Switchable {
  down: boolean;
}

function unavailable(store: Switchable): void {
  if (store.down) throw new Error('connect ECONNREFUSED (in-memory store down)');
}

export type MemoryLedger = DedupLedger & Switchable & { readonly entries: Map<string, string> };

export function memoryLedger(): MemoryLedger {
  const entries = new Map<string, string>();
  return {
    down: false,
    entries,
    async find(workflowId) {
      unavailable(this);
      return entries.get(workflowId);
    },
    async record(workflowId, runId) {
      unavailable(this);
      entries.set(workflowId, runId);
    },
  };
}

/** The part of the outbox the intake writes to; the forwarder's reads need a Redis stream. */
export type MemoryOutbox = Pick<Outbox, 'append'> & Switchable & { readonly starts: QueuedStart[] };

export function memoryOutbox(): MemoryOutbox {
  const starts: QueuedStart[] = [];
  return {
    down: false,
    starts,
    async append(start) {
      unavailable(this);
      // Nothing drains it: a start queued once stays queued, as a repeat finds it in the real outbox.
      const at = starts.findIndex((s) => s.workflowId === start.workflowId);
      if (at >= 0) return { id: `0-${at}`, appended: false };
      starts.push(start);
      return { id: `0-${starts.length - 1}`, appended: true };
    },
  };
}

export type MemoryPayloadStore = PayloadStore & Switchable & { readonly blobs: Map<string, Buffer> };

export function memoryPayloadStore(): MemoryPayloadStore {
  const blobs = new Map<string, Buffer>();
  return {
    name: 'memory',
    down: false,
    blobs,
    async put(bytes): Promise<EventRef> {
      unavailable(this);
      const sha256 = sha256Hex(bytes);
      blobs.set(sha256, Buffer.from(bytes));
      return { store: 'memory', key: sha256, bytes: bytes.length, sha256 };
    },
    async get(ref) {
      unavailable(this);
      return blobs.get(ref.key);
    },
  };
}
