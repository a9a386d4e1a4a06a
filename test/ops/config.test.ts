import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ConfigError } from '../../core/env';
import { OPS_CONFIG_VARIABLES, opsConfigFromEnv } from '../../src/ops/config';
import { findPublicDir } from '../../src/ops/router';
import { assertNoDevSecrets, DEV_SECRETS } from '../../src/dev-secrets';

const envExample = readFileSync(resolve(__dirname, '..', '..', '.env.example'), 'utf8');

describe('ops configuration', () => {
  it('documents every OPS_ variable in .env.example', () => {
    for (const name of OPS_CONFIG_VARIABLES) expect([name, envExample.includes(`\n${name}=`)]).toEqual([name, true]);
  });

  it('leaves the console closed without a key, and pins HS256 by default', () => {
    expect(opsConfigFromEnv({}).jwt).toMatchObject({ algorithm: 'HS256', key: undefined });
  });

  it('refuses a short HS256 secret and mixed-up keys', () => {
    expect(() => opsConfigFromEnv({ OPS_JWT_SECRET: 'short' })).toThrow(/OPS_JWT_SECRET/);
    expect(() => opsConfigFromEnv({ OPS_JWT_ALGORITHM: 'RS256', OPS_JWT_SECRET: 'x'.repeat(40) })).toThrow(ConfigError);
    expect(() => opsConfigFromEnv({ OPS_JWT_ALGORITHM: 'ES256', OPS_JWT_PUBLIC_KEY: 'not a pem' })).toThrow(/PEM/);
    expect(() => opsConfigFromEnv({ OPS_JWT_ALGORITHM: 'none' })).toThrow(/OPS_JWT_ALGORITHM/);
  });

  it('ships a development secret that production refuses', () => {
    expect(DEV_SECRETS.OPS_JWT_SECRET).toBeDefined();
    expect(() => assertNoDevSecrets({ NODE_ENV: 'production', OPS_JWT_SECRET: DEV_SECRETS.OPS_JWT_SECRET })).toThrow(/OPS_JWT_SECRET/);
  });
});

describe('the page files', () => {
  it('are found beside the module (tsx) and from a compiled build in dist/src/ops', () => {
    expect(findPublicDir()).toBe(resolve(__dirname, '..', '..', 'src', 'ops', 'public'));
    // A build that did not copy them: dist/src/ops -> the source tree.
    const root = mkdtempSync(join(tmpdir(), 'ops-build-'));
    mkdirSync(join(root, 'dist', 'src', 'ops'), { recursive: true });
    mkdirSync(join(root, 'src', 'ops', 'public'), { recursive: true });
    writeFileSync(join(root, 'src', 'ops', 'public', 'index.html'), '<!doctype html>');
    expect(findPublicDir(join(root, 'dist', 'src', 'ops'))).toBe(join(root, 'src', 'ops', 'public'));
    // A build that copied them (npm run build does).
    mkdirSync(join(root, 'dist', 'src', 'ops', 'public'));
    writeFileSync(join(root, 'dist', 'src', 'ops', 'public', 'index.html'), '<!doctype html>');
    expect(findPublicDir(join(root, 'dist', 'src', 'ops'))).toBe(join(root, 'dist', 'src', 'ops', 'public'));
  });
});
