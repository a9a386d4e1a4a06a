import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createSandbox, type RecordedRequest, type Sandbox } from '../../sandbox/app';
import type { Seed } from '../../sandbox/seed';

export interface RunningSandbox extends Sandbox {
  url: string;
  /** Downstream URL variables pointing the clients at it. */
  env: Record<string, string>;
  requests: () => RecordedRequest[];
  /** Arms a fault through the control API (POST /_sandbox/faults); answers its id. */
  fail: (fault: Record<string, unknown>) => Promise<string>;
  /** Clears every fault. */
  clearFaults: () => Promise<void>;
  close: () => Promise<void>;
}

/** The downstream sandbox on an ephemeral loopback port (its default seed unless given one). */
export async function startSandbox(seed?: Seed): Promise<RunningSandbox> {
  const sandbox = createSandbox({ nodeEnv: 'test', ...(seed ? { seed } : {}) });
  const server: Server = await new Promise((resolve) => {
    const s = sandbox.app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    ...sandbox,
    url,
    env: {
      TURVO_API_URL: `${url}/turvo`,
      FRONT_API_URL: `${url}/front`,
      SAMSARA_API_URL: `${url}/samsara`,
      RECORDS_API_URL: `${url}/records`,
      NOTIFY_API_URL: `${url}/notify`,
    },
    async fail(fault) {
      const res = await fetch(`${url}/_sandbox/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(fault) });
      if (res.status !== 201) throw new Error(`sandbox refused the fault: ${res.status} ${await res.text()}`);
      return ((await res.json()) as { id: string }).id;
    },
    async clearFaults() {
      await fetch(`${url}/_sandbox/faults`, { method: 'DELETE' });
    },
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
