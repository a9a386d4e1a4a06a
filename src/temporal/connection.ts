import type { TLSConfig } from '@temporalio/common/lib/internal-non-workflow';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { ConfigError } from '../../core/env';

/**
 * Temporal's standard client configuration (the same as the `temporal` CLI and every SDK): a TOML
 * profile (`TEMPORAL_CONFIG_FILE`, default ~/.config/temporalio/temporal.toml; `TEMPORAL_PROFILE`,
 * default `default`) overridden by these variables, read by @temporalio/envconfig.
 */
export const STANDARD_TEMPORAL_VARIABLES = [
  'TEMPORAL_CONFIG_FILE',
  'TEMPORAL_PROFILE',
  'TEMPORAL_ADDRESS',
  'TEMPORAL_NAMESPACE',
  'TEMPORAL_API_KEY',
  'TEMPORAL_TLS',
  'TEMPORAL_TLS_CLIENT_CERT_PATH',
  'TEMPORAL_TLS_CLIENT_CERT_DATA',
  'TEMPORAL_TLS_CLIENT_KEY_PATH',
  'TEMPORAL_TLS_CLIENT_KEY_DATA',
  'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
  'TEMPORAL_TLS_SERVER_CA_CERT_DATA',
  'TEMPORAL_TLS_SERVER_NAME',
] as const;

/** This project's names from before it used the standard ones: still read, with a warning. */
export const OLD_TEMPORAL_VARIABLES: Readonly<Record<string, (typeof STANDARD_TEMPORAL_VARIABLES)[number]>> = {
  TEMPORAL_TLS_CERT_PATH: 'TEMPORAL_TLS_CLIENT_CERT_PATH',
  TEMPORAL_TLS_KEY_PATH: 'TEMPORAL_TLS_CLIENT_KEY_PATH',
  TEMPORAL_TLS_CA_PATH: 'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
};

/**
 * Connection options shared by the receiver's client, the worker and the forwarder: a local dev
 * server (plain), a self-hosted cluster with mTLS, or Temporal Cloud with an API key (TLS implied).
 */
export interface TemporalConnectionOptions {
  address: string;
  tls?: TLSConfig | boolean;
  apiKey?: string;
  metadata?: Record<string, string>;
}

export interface TemporalClientSettings {
  namespace: string;
  connection: TemporalConnectionOptions;
  /** One line when old variable names are in use (each entry point logs it at start-up). */
  warning?: string;
}

/** Reads the profile and the standard variables (old names mapped onto them); blank values count as unset. */
export function loadTemporalClientSettings(source: NodeJS.ProcessEnv): TemporalClientSettings {
  const env = Object.fromEntries(Object.entries(source).filter((e): e is [string, string] => e[1] !== undefined && e[1].trim() !== ''));
  const renamed: string[] = [];
  for (const [old, standard] of Object.entries(OLD_TEMPORAL_VARIABLES)) {
    if (!env[old]) continue;
    renamed.push(env[standard] ? `${old} (ignored: ${standard} is set)` : `${old} → ${standard}`);
    env[standard] ??= env[old];
    delete env[old];
  }
  let loaded;
  try {
    loaded = loadClientConnectConfig({ overrideEnvVars: env });
  } catch (err) {
    // A missing profile, a TOML syntax error or an unreadable certificate file: stop, naming it.
    throw new ConfigError(`invalid configuration:\n  Temporal client config: ${(err as Error).message}`);
  }
  const { address, apiKey, tls, metadata } = loaded.connectionOptions;
  const namespace = loaded.namespace ?? 'default';
  const connection: TemporalConnectionOptions = {
    address: address ?? '127.0.0.1:7233',
    ...(tls !== undefined && tls !== null ? { tls } : {}),
    ...(apiKey ? { apiKey } : {}),
    // Temporal Cloud routes API-key requests by namespace.
    ...(apiKey || metadata ? { metadata: { ...(apiKey ? { 'temporal-namespace': namespace } : {}), ...metadata } } : {}),
  };
  return {
    namespace,
    connection,
    ...(renamed.length ? { warning: `old Temporal variable names in use, rename them: ${renamed.join(', ')}` } : {}),
  };
}
