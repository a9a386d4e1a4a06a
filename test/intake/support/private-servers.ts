import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { DATA_DIR, ensureRedisBinary, portOpen, startTemporal, stopTemporal, temporalAddress, type TemporalProfile } from '../../../scripts/lib/stack';

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

async function waitForPort(port: number, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await portOpen(port))) {
    if (Date.now() > deadline) throw new Error(`${what} did not start on ${port}`);
    await sleep(50);
  }
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

/**
 * A Redis primary, its replicas and three Debian redis-sentinel processes watching them (quorum 2),
 * all the test's own, on its ports, with their files under .data/sentinel-<name>-<pid>/. Each Redis
 * keeps an append-only file with `appendfsync everysec`, as the project runs Redis. The sentinels
 * call a primary down after 1 s without an answer.
 */
export class PrivateSentinelGroup {
  readonly dir: string;
  private readonly children = new Map<number, ChildProcess>();

  constructor(
    readonly name: string,
    readonly redisPorts: number[],
    readonly sentinelPorts: number[],
  ) {
    this.dir = join(DATA_DIR, `sentinel-${name}-${process.pid}`);
  }

  /** REDIS_SENTINELS for a receiver. */
  get sentinels(): string {
    return this.sentinelPorts.map((p) => `127.0.0.1:${p}`).join(',');
  }

  private spawn(port: number, command: string, args: string[]): void {
    const child = spawn(command, args, { stdio: 'ignore' });
    this.children.set(port, child);
  }

  async start(): Promise<void> {
    const redisServer = ensureRedisBinary('redis-server');
    const redisSentinel = ensureRedisBinary('redis-sentinel');
    for (const port of [...this.redisPorts, ...this.sentinelPorts]) {
      if (await portOpen(port)) throw new Error(`port ${port} already answers: another test or a stale server holds it`);
    }
    rmSync(this.dir, { recursive: true, force: true });
    const [primary, ...replicas] = this.redisPorts;
    for (const port of this.redisPorts) {
      const dir = join(this.dir, String(port));
      mkdirSync(dir, { recursive: true });
      const replicaOf = port === primary ? [] : ['--replicaof', '127.0.0.1', String(primary)];
      this.spawn(port, redisServer, ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'everysec', '--loglevel', 'warning', ...replicaOf]);
      await waitForPort(port, 'redis-server');
    }
    await until('the replicas to sync', async () => {
      const info = await this.command(primary!, (r) => r.info('replication'));
      return (info.match(/^slave\d+:.*state=online/gm) ?? []).length === replicas.length ? true : undefined;
    });
    for (const port of this.sentinelPorts) {
      const dir = join(this.dir, `sentinel-${port}`);
      mkdirSync(dir, { recursive: true });
      // A sentinel rewrites its own file (what it learns of replicas and other sentinels): one each.
      const conf = join(dir, 'sentinel.conf');
      writeFileSync(
        conf,
        [
          `port ${port}`,
          'bind 127.0.0.1',
          `dir ${dir}`,
          `sentinel monitor ${this.name} 127.0.0.1 ${primary} 2`,
          `sentinel down-after-milliseconds ${this.name} 1000`,
          `sentinel failover-timeout ${this.name} 10000`,
          `sentinel parallel-syncs ${this.name} ${replicas.length}`,
          '',
        ].join('\n'),
      );
      this.spawn(port, redisSentinel, [conf, '--loglevel', 'warning']);
      await waitForPort(port, 'redis-sentinel');
    }
    // Ready for a failover once each sentinel knows the replicas and enough of the others.
    for (const port of this.sentinelPorts) {
      await until(`sentinel ${port} to know the group`, async () => {
        const [knownReplicas, others] = await this.command(port, (r) =>
          Promise.all([r.call('SENTINEL', 'REPLICAS', this.name), r.call('SENTINEL', 'SENTINELS', this.name)]),
        );
        return (knownReplicas as unknown[]).length === replicas.length && (others as unknown[]).length === this.sentinelPorts.length - 1 ? true : undefined;
      });
    }
  }

  /** The primary's port, as the sentinels name it. */
  async primaryPort(sentinelPort = this.sentinelPorts[0]!): Promise<number> {
    const [, port] = (await this.command(sentinelPort, (r) => r.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', this.name))) as [string, string];
    return Number(port);
  }

  /** Waits until every sentinel names a primary other than `old`, and that server says it is one. */
  async promotedFrom(old: number, timeoutMs = 30_000): Promise<number> {
    return until(
      'a replica to be promoted',
      async () => {
        const named = await Promise.all(this.sentinelPorts.map((p) => this.primaryPort(p)));
        const port = named[0]!;
        if (port === old || named.some((p) => p !== port)) return undefined;
        const role = await this.command(port, (r) => r.info('replication'));
        return /^role:master$/m.test(role) ? port : undefined;
      },
      timeoutMs,
    );
  }

  /** SIGSTOP / SIGCONT: a server that keeps its connections but answers nothing (a stalled replica). */
  freeze(port: number): void {
    this.children.get(port)?.kill('SIGSTOP');
  }

  thaw(port: number): void {
    this.children.get(port)?.kill('SIGCONT');
  }

  /** SIGKILL, as a crash: no shutdown, no final write. */
  async kill(port: number): Promise<void> {
    const child = this.children.get(port);
    // A child killed by a signal has a signalCode and no exitCode.
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }

  async destroy(): Promise<void> {
    for (const port of this.children.keys()) await this.kill(port);
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async command<T>(port: number, run: (redis: Redis) => Promise<T>): Promise<T> {
    const redis = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1000 });
    try {
      await redis.connect();
      return await run(redis);
    } finally {
      redis.disconnect();
    }
  }
}
