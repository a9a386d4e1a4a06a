import { readFileSync } from 'node:fs';
import type { AppConfig } from '../config';

/**
 * Connection options shared by the receiver's client, the worker and the forwarder: a local dev
 * server (plain), a self-hosted cluster with mTLS, or Temporal Cloud with an API key (TLS implied).
 */
export interface TemporalConnectionOptions {
  address: string;
  tls?: boolean | { clientCertPair?: { crt: Buffer; key: Buffer }; serverRootCACertificate?: Buffer; serverNameOverride?: string };
  apiKey?: string;
  metadata?: Record<string, string>;
}

export function temporalConnectionOptions({ temporal }: Pick<AppConfig, 'temporal'>): TemporalConnectionOptions {
  const { address, tls, apiKey } = temporal;
  const options: TemporalConnectionOptions = { address };
  if (tls.certPath || tls.keyPath || tls.caPath) {
    options.tls = {
      ...(tls.certPath && tls.keyPath ? { clientCertPair: { crt: readFileSync(tls.certPath), key: readFileSync(tls.keyPath) } } : {}),
      ...(tls.caPath ? { serverRootCACertificate: readFileSync(tls.caPath) } : {}),
      ...(tls.serverName ? { serverNameOverride: tls.serverName } : {}),
    };
  } else if (tls.enabled || apiKey) {
    options.tls = true;
  }
  if (apiKey) {
    options.apiKey = apiKey;
    // Temporal Cloud routes API-key requests by namespace.
    options.metadata = { 'temporal-namespace': temporal.namespace };
  }
  return options;
}
