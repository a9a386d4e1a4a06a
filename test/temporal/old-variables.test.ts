import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { temporalAddress, uniqueRedisPrefix } from '../support/temporal';

/**
 * The old TLS variable names as an existing deployment sets them: the real receiver process starts,
 * reads them as their standard names, and logs one warning naming each (README, "Running in
 * production"). The connection to Temporal is lazy, so the receiver listens either way.
 */
const ROOT = join(__dirname, '..', '..');

function receiverOutput(env: NodeJS.ProcessEnv, until: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(join(ROOT, 'node_modules', '.bin', 'tsx'), ['src/server.ts'], {
      cwd: ROOT,
      // The test servers, this file's own Redis keys, and no forwarder: it touches nothing of anyone else's.
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'test',
        PORT: '0',
        LOG_FORMAT: 'json',
        REDIS_URL: process.env.REDIS_URL,
        REDIS_KEY_PREFIX: uniqueRedisPrefix('old-variables'),
        FORWARDER_IN_PROCESS: 'false',
        TEMPORAL_ADDRESS: temporalAddress(),
        ...env,
      },
    });
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`receiver never printed ${until}: ${output}`));
    }, 60_000);
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      if (until.test(output)) {
        clearTimeout(timer);
        child.once('exit', () => resolve(output));
        child.kill('SIGTERM');
      }
    };
    child.stdout.on('data', read);
    child.stderr.on('data', read);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(output);
    });
  });
}

it('reads TEMPORAL_TLS_CERT_PATH, _KEY_PATH and _CA_PATH with one warning naming their standard names', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'old-variables-'));
  for (const name of ['client.pem', 'client.key', 'ca.pem']) writeFileSync(join(dir, name), 'PEM');
  const output = await receiverOutput(
    { TEMPORAL_TLS_CERT_PATH: join(dir, 'client.pem'), TEMPORAL_TLS_KEY_PATH: join(dir, 'client.key'), TEMPORAL_TLS_CA_PATH: join(dir, 'ca.pem') },
    /receiver listening/,
  );
  const warnings = output.split('\n').filter((line) => line.includes('old Temporal variable names'));
  expect(warnings).toHaveLength(1);
  expect(JSON.parse(warnings[0]!)).toMatchObject({
    level: 'warn',
    message:
      'old Temporal variable names in use, rename them: TEMPORAL_TLS_CERT_PATH → TEMPORAL_TLS_CLIENT_CERT_PATH, TEMPORAL_TLS_KEY_PATH → TEMPORAL_TLS_CLIENT_KEY_PATH, TEMPORAL_TLS_CA_PATH → TEMPORAL_TLS_SERVER_CA_CERT_PATH',
  });
}, 90_000);

it('refuses to start in production without payload encryption keys', async () => {
  const output = await receiverOutput({ NODE_ENV: 'production' }, /receiver failed to start/);
  expect(output).toContain('PAYLOAD_ENCRYPTION_KEYS: required in production');
  expect(output).not.toContain('receiver listening');
}, 90_000);
