import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../core/env';
import { loadConfig } from '../../src/config';

/** The Temporal connection from Temporal's standard client config (@temporalio/envconfig): TOML profiles, TEMPORAL_* variables, old names. */
/** envconfig loads certificates as Uint8Array. */
const str = (bytes: Uint8Array) => Buffer.from(bytes).toString();

describe('Temporal client configuration', () => {
  const dir = mkdtempSync(join(tmpdir(), 'temporal-client-'));
  const file = (name: string, content: string) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };
  const cert = file('client.pem', 'CLIENT CERT');
  const key = file('client.key', 'CLIENT KEY');
  const ca = file('ca.pem', 'PRIVATE CA');
  const toml = file(
    'temporal.toml',
    `[profile.default]\naddress = "127.0.0.1:7999"\n\n[profile.prod]\naddress = "temporal.internal:7233"\nnamespace = "sagas-prod"\n[profile.prod.tls]\nclient_cert_path = "${cert}"\nclient_key_path = "${key}"\nserver_ca_cert_path = "${ca}"\nserver_name = "frontend.internal"\n`,
  );

  it('defaults to the local dev server, plain, namespace default', () => {
    const { temporal } = loadConfig({});
    expect(temporal.connection).toEqual({ address: '127.0.0.1:7233' });
    expect(temporal.namespace).toBe('default');
    expect(temporal.clientWarning).toBeUndefined();
  });

  it('Temporal Cloud with an API key: TLS implied, requests routed by namespace', () => {
    const { temporal } = loadConfig({ TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233', TEMPORAL_NAMESPACE: 'ns.acct', TEMPORAL_API_KEY: 'key-123' });
    expect(temporal.connection).toEqual({ address: 'ns.acct.tmprl.cloud:7233', apiKey: 'key-123', tls: true, metadata: { 'temporal-namespace': 'ns.acct' } });
    expect(temporal.namespace).toBe('ns.acct');
  });

  it('reads a TOML profile, variables override it, and mTLS files are loaded', () => {
    const { temporal } = loadConfig({ TEMPORAL_CONFIG_FILE: toml, TEMPORAL_PROFILE: 'prod', TEMPORAL_NAMESPACE: 'override' });
    expect(temporal.address).toBe('temporal.internal:7233');
    expect(temporal.namespace).toBe('override');
    const tls = temporal.connection.tls as { clientCertPair: { crt: Uint8Array; key: Uint8Array }; serverRootCACertificate: Uint8Array; serverNameOverride: string };
    expect(str(tls.clientCertPair.crt)).toBe('CLIENT CERT');
    expect(str(tls.clientCertPair.key)).toBe('CLIENT KEY');
    expect(str(tls.serverRootCACertificate)).toBe('PRIVATE CA');
    expect(tls.serverNameOverride).toBe('frontend.internal');
    // Without TEMPORAL_PROFILE, the file's default profile.
    expect(loadConfig({ TEMPORAL_CONFIG_FILE: toml }).temporal.address).toBe('127.0.0.1:7999');
  });

  it('still reads the old TLS names, with one warning naming each and its standard name', () => {
    const { temporal } = loadConfig({ TEMPORAL_TLS_CERT_PATH: cert, TEMPORAL_TLS_KEY_PATH: key, TEMPORAL_TLS_CA_PATH: ca });
    const tls = temporal.connection.tls as { clientCertPair: { crt: Uint8Array }; serverRootCACertificate: Uint8Array };
    expect(str(tls.clientCertPair.crt)).toBe('CLIENT CERT');
    expect(str(tls.serverRootCACertificate)).toBe('PRIVATE CA');
    expect(temporal.clientWarning).toBe(
      'old Temporal variable names in use, rename them: TEMPORAL_TLS_CERT_PATH → TEMPORAL_TLS_CLIENT_CERT_PATH, TEMPORAL_TLS_KEY_PATH → TEMPORAL_TLS_CLIENT_KEY_PATH, TEMPORAL_TLS_CA_PATH → TEMPORAL_TLS_SERVER_CA_CERT_PATH',
    );
  });

  it('the standard name wins over an old one, and the warning says the old one is ignored', () => {
    const other = file('other-ca.pem', 'OTHER CA');
    const { temporal } = loadConfig({ TEMPORAL_TLS_CA_PATH: other, TEMPORAL_TLS_SERVER_CA_CERT_PATH: ca });
    expect(str((temporal.connection.tls as { serverRootCACertificate: Uint8Array }).serverRootCACertificate)).toBe('PRIVATE CA');
    expect(temporal.clientWarning).toContain('TEMPORAL_TLS_CA_PATH (ignored: TEMPORAL_TLS_SERVER_CA_CERT_PATH is set)');
  });

  it('TEMPORAL_TLS=false turns TLS off; a missing profile or certificate stops start-up naming it', () => {
    expect(loadConfig({ TEMPORAL_TLS: 'false' }).temporal.connection.tls).toBe(false);
    expect(() => loadConfig({ TEMPORAL_CONFIG_FILE: toml, TEMPORAL_PROFILE: 'staging' })).toThrow(ConfigError);
    expect(() => loadConfig({ TEMPORAL_CONFIG_FILE: toml, TEMPORAL_PROFILE: 'staging' })).toThrow(/staging/);
    expect(() => loadConfig({ TEMPORAL_TLS_CLIENT_CERT_PATH: join(dir, 'missing.pem'), TEMPORAL_TLS_CLIENT_KEY_PATH: key })).toThrow(/missing\.pem/);
  });
});
