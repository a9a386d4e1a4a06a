import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { DATA_DIR, portOpen, startTemporal, stopTemporal, temporalAddress, type TemporalProfile } from '../../../scripts/lib/stack';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A Temporal dev server of the test's own (port and SQLite file), which the test may stop and
 * restart: the shared servers on 7233/7244 are never touched.
 */
export class PrivateTemporal {
  readonly profile: TemporalProfile;

  constructor(name: string, port: number) {
    this.profile = { name: `${name}-${process.pid}`, port, dbFile: join(DATA_DIR, 'temporal', `${name}-${process.pid}.db`) };
  }

  get address(): string {
    return temporalAddress(this.profile);
  }

  async start(): Promise<void> {
    if (!(await startTemporal(this.profile))) {
      throw new Error(`port ${this.profile.port} already answers: another test or a stale server holds it`);
    }
  }

  /** Stops it; its SQLite file stays, so a later start() brings back the same state. */
  async stop(): Promise<void> {
    await stopTemporal(this.profile);
  }

  async destroy(): Promise<void> {
    await this.stop();
    for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(`${this.profile.dbFile}${suffix}`, { force: true });
  }
}

/** A redis-server of the test's own, without persistence, that the test may stop and restart. */
export class PrivateRedis {
  private child?: ChildProcess;

  constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    if (await portOpen(this.port)) throw new Error(`port ${this.port} already answers: another test or a stale redis holds it`);
    this.child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--loglevel', 'warning'], {
      stdio: 'ignore',
    });
    const deadline = Date.now() + 10_000;
    while (!(await portOpen(this.port))) {
      if (Date.now() > deadline) throw new Error(`redis-server did not start on ${this.port}`);
      await sleep(50);
    }
  }

  /** SIGSTOP: the server keeps its connections but answers nothing, a stall rather than an outage. */
  freeze(): void {
    this.child?.kill('SIGSTOP');
  }

  thaw(): void {
    this.child?.kill('SIGCONT');
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    this.child = undefined;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    while (await portOpen(this.port)) await sleep(50);
  }
}
