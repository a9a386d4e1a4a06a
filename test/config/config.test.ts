import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { CONFIG_VARIABLES, loadConfig } from '../../src/config';
import { ConfigError } from '../../core/env';
import { assertNoDevSecrets, DEV_SECRETS } from '../../src/dev-secrets';

const envExample = readFileSync(resolve(__dirname, '..', '..', '.env.example'), 'utf8');

describe('configuration', () => {
  it('documents every variable it reads in .env.example, with a comment above it', () => {
    for (const name of CONFIG_VARIABLES) {
      const lines = envExample.split('\n');
      const at = lines.findIndex((l) => l.startsWith(`${name}=`));
      expect([name, at >= 0]).toEqual([name, true]);
      // The nearest non-variable line above is a comment (a block of related variables may share one).
      let i = at - 1;
      while (i >= 0 && /^[A-Z0-9_]+=/.test(lines[i]!)) i--;
      expect([name, lines[i]?.startsWith('#')]).toEqual([name, true]);
    }
  });

  it('has working defaults', () => {
    const config = loadConfig({});
    expect(config.temporal.taskQueue).toBe('webhook-queue');
    expect(config.http.bodyLimit).toBe(1024 * 1024);
    expect(config.redis.url).toBe('redis://127.0.0.1:6379');
  });

  it('reads sizes with units', () => {
    expect(loadConfig({ BODY_LIMIT: '64kb' }).http.bodyLimit).toBe(64 * 1024);
    expect(loadConfig({ BODY_LIMIT: '2mb' }).http.bodyLimit).toBe(2 * 1024 * 1024);
  });

  it('fails fast with a message naming every bad variable', () => {
    expect(() => loadConfig({ PORT: 'eighty', BODY_LIMIT: 'huge' })).toThrow(ConfigError);
    try {
      loadConfig({ PORT: 'eighty', BODY_LIMIT: 'huge', TURVO_API_URL: 'not a url' });
    } catch (err) {
      expect((err as Error).message).toMatch(/PORT/);
      expect((err as Error).message).toMatch(/BODY_LIMIT/);
      expect((err as Error).message).toMatch(/TURVO_API_URL/);
    }
  });

  it('refuses the repository development secrets in production', () => {
    const [name, value] = Object.entries(DEV_SECRETS)[0]!;
    expect(() => assertNoDevSecrets({ NODE_ENV: 'production', [name]: value })).toThrow(new RegExp(name));
    expect(() => assertNoDevSecrets({ NODE_ENV: 'development', [name]: value })).not.toThrow();
    expect(() => assertNoDevSecrets({ NODE_ENV: 'production', [name]: 'a-real-secret' })).not.toThrow();
  });

  it('reads Redis Sentinel settings, and refuses sentinels that are not host:port or a WAIT the client would give up on', () => {
    expect(loadConfig({}).redis.sentinel).toBeUndefined();
    const ha = loadConfig({ REDIS_SENTINELS: 'sentinel-0:26379, 10.0.0.7:26380', REDIS_SENTINEL_NAME: 'intake', REDIS_WAIT_REPLICAS: '1' }).redis;
    expect(ha).toMatchObject({
      sentinel: { sentinels: [{ host: 'sentinel-0', port: 26379 }, { host: '10.0.0.7', port: 26380 }], name: 'intake' },
      waitReplicas: 1,
      waitTimeoutMs: 250,
    });
    expect(() => loadConfig({ REDIS_SENTINELS: 'sentinel-0' })).toThrow(/REDIS_SENTINELS/);
    expect(() => loadConfig({ REDIS_WAIT_REPLICAS: '1', REDIS_WAIT_TIMEOUT_MS: '500' })).toThrow(/REDIS_WAIT_TIMEOUT_MS .* below REDIS_COMMAND_TIMEOUT_MS/);
  });

  it('sizes the memory bodies may hold, and refuses a share a body the limit allows would not fit in', () => {
    expect(loadConfig({}).limits.bodyMemory).toEqual({ totalBytes: 32 * 1024 * 1024, perClientBytes: 16 * 1024 * 1024 });
    expect(loadConfig({ BODY_MEMORY_BYTES: '4mb', BODY_MEMORY_PER_CLIENT_BYTES: '1mb' }).limits.bodyMemory).toEqual({ totalBytes: 4 * 1024 * 1024, perClientBytes: 1024 * 1024 });
    expect(() => loadConfig({ BODY_LIMIT: '2mb', BODY_MEMORY_PER_CLIENT_BYTES: '1mb' })).toThrow(/BODY_LIMIT .* ≤ BODY_MEMORY_PER_CLIENT_BYTES/);
    expect(() => loadConfig({ BODY_MEMORY_BYTES: '8mb' })).toThrow(/≤ BODY_MEMORY_BYTES \(8388608\) must hold/);
  });
});
