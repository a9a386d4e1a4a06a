import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { SOURCE_DEFINITIONS, buildSourceInstances } from '../../sources';
import { DECLARED_KINDS } from '../../sources/engine/declared';
import { listFixtures, loadFixture } from '../../sources/sender/fixtures';
import { asDelivery } from '../../sources/sender/drivers';
import { DEV_SECRETS } from '../../src/dev-secrets';
import { opsConfigFromEnv } from '../../src/ops/config';

/**
 * There is no container engine or cluster here, so deploy/ is checked for what can go wrong
 * without one: files parse, references resolve, and the settings the design depends on are there.
 */
const ROOT = resolve(__dirname, '..', '..');
const DEPLOY = join(ROOT, 'deploy');
const read = (path: string) => readFileSync(join(DEPLOY, path), 'utf8');
const documents = (path: string): any[] => parseAllDocuments(read(path)).map((d) => {
  expect(d.errors).toEqual([]);
  return d.toJS();
});
const envExampleKeys = new Set(
  readFileSync(join(ROOT, '.env.example'), 'utf8')
    .split('\n')
    .map((l) => /^([A-Z][A-Z0-9_]*)=/.exec(l)?.[1])
    .filter((k): k is string => !!k),
);
const envFileKeys = (text: string) => text.split('\n').map((l) => /^([A-Z][A-Z0-9_]*)=/.exec(l)?.[1]).filter((k): k is string => !!k);
/** The lines of one `server { ... }` block of nginx.conf, found by its listen line. */
function nginxServer(conf: string, listen: string): string {
  const at = conf.indexOf(`listen ${listen}`);
  expect(at).toBeGreaterThan(0);
  const start = conf.lastIndexOf('server {', at);
  const next = conf.indexOf('server {', at);
  return conf.slice(start, next === -1 ? undefined : next);
}

describe('deploy/Dockerfile', () => {
  const dockerfile = read('Dockerfile');

  it('is multi-stage, runs as a non-root user, ships production dependencies only and a prebuilt bundle', () => {
    expect(dockerfile.match(/^FROM /gm)?.length).toBeGreaterThanOrEqual(3);
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    expect(dockerfile).toMatch(/^USER 1000:1000$/m);
    expect(dockerfile).toMatch(/WORKFLOW_BUNDLE_PATH=\/app\/dist\/workflow-bundle\.js/);
    expect(dockerfile).toMatch(/npm run build/);
  });

  it('builds and runs on a supported Node LTS line, and its HEALTHCHECK probes the default command (the receiver)', () => {
    const bases = [...dockerfile.matchAll(/^FROM (\S+)/gm)].map(([, image]) => image);
    for (const image of bases) expect(image).toMatch(/^node:(22|24)-/);
    expect(dockerfile).toMatch(/^CMD \["node", "dist\/src\/server\.js"\]$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK .*process\.env\.PORT\|\|3000.*\/healthz/m);
  });

  it('copies only paths that exist, and the build script writes the bundle the image points at', () => {
    for (const [, path] of dockerfile.matchAll(/^COPY (?!--from)(?:--chown=\S+ )?(\S+) /gm)) {
      for (const p of path!.split(' ')) expect(existsSync(join(ROOT, p))).toBe(true);
    }
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    expect(pkg.scripts.build).toContain('dist/workflow-bundle.js');
  });
});

describe('deploy/docker-compose.yml', () => {
  const compose = parse(read('docker-compose.yml'), { merge: true });
  const services = compose.services as Record<string, any>;

  it('has the full stack: Temporal on PostgreSQL, its UI, Redis with AOF, two receivers behind a proxy, two workers', () => {
    expect(Object.keys(services)).toEqual(expect.arrayContaining(['postgresql', 'temporal', 'temporal-ui', 'redis', 'receiver', 'worker', 'proxy']));
    expect(services.temporal.environment.DB).toBe('postgres12');
    expect(services.redis.command).toEqual(expect.arrayContaining(['--appendonly', 'yes']));
    expect(services.receiver.deploy.replicas).toBe(2);
    expect(services.worker.deploy.replicas).toBe(2);
    expect(services.worker.command).toEqual(['node', 'dist/src/worker.js']);
    expect(services.receiver.build.dockerfile).toBe('deploy/Dockerfile');
  });

  it('depends only on services it defines, and mounts files that exist', () => {
    for (const [name, service] of Object.entries(services)) {
      const deps = Array.isArray(service.depends_on) ? service.depends_on : Object.keys(service.depends_on ?? {});
      for (const dep of deps) expect([name, dep, dep in services]).toEqual([name, dep, true]);
      for (const volume of service.volumes ?? []) {
        const [source] = String(volume).split(':');
        if (source!.startsWith('./')) expect(existsSync(join(DEPLOY, source!))).toBe(true);
      }
    }
  });

  it('gives vendors TLS and /webhooks/ only, the console its own loopback port, and /metrics neither', () => {
    const nginx = read('nginx.conf');
    const vendors = nginxServer(nginx, '8443 ssl');
    const console = nginxServer(nginx, '8081');
    expect([...vendors.matchAll(/location (\S+)/g)].map(([, path]) => path)).toEqual(['/', '/webhooks/']);
    expect([...console.matchAll(/location (\S+)/g)].map(([, path]) => path)).toEqual(['/', '/ops']);
    for (const server of [vendors, console]) {
      expect(server).toMatch(/location \/ \{\s*return 404;/);
      expect(server).toMatch(/set \$receiver http:\/\/receiver:3000;\s*proxy_pass \$receiver;/);
    }
    expect(vendors).toMatch(/ssl_certificate tls\/tls\.crt;/);
    expect(services.proxy.ports).toEqual(['8443:8443', '127.0.0.1:8081:8081']);
    expect(services.proxy.volumes).toContain('./tls:/etc/nginx/tls:ro');
  });

  it('checks each process where it listens: the receiver by the image, the worker on its metrics port', () => {
    expect(services.receiver.healthcheck).toBeUndefined();
    expect(services.worker.environment.WORKER_METRICS_PORT).toBe('9464');
    expect(services.worker.healthcheck.test.join(' ')).toMatch(/process\.env\.WORKER_METRICS_PORT.*\/healthz/);
  });

  it('refuses to start without its secrets file', () => {
    expect(services.receiver.env_file).toEqual([{ path: './stack.env', required: true }]);
    expect(services.worker.env_file).toEqual([{ path: './stack.env', required: true }]);
  });

  it('sets only variables the application knows', () => {
    for (const service of [services.receiver, services.worker]) {
      for (const key of Object.keys(service.environment)) expect([key, envExampleKeys.has(key)]).toEqual([key, true]);
    }
  });
});

describe('deploy/k8s', () => {
  const kustomization = parse(read('k8s/kustomization.yaml'));
  const resources: any[] = (kustomization.resources as string[]).flatMap((file) => documents(`k8s/${file}`));
  const byKind = (kind: string) => resources.filter((r) => r.kind === kind);
  const deployments = byKind('Deployment');

  it('lists resource files that exist and parse', () => {
    expect(resources.length).toBeGreaterThan(5);
    expect(deployments.map((d) => d.metadata.name).sort()).toEqual(['receiver', ...workerVersions().map((v) => `worker-${v}`)].sort());
  });

  /** The build IDs of the worker versions deployed side by side: one Deployment each, named after it. */
  function workerVersions(): string[] {
    return deployments.filter((d) => d.metadata.labels['app.kubernetes.io/component'] === 'worker').map((d) => d.metadata.labels['webhook-sagas/build-id']);
  }

  it('runs each worker as a Worker Deployment Version: its Deployment, pods, scaler and budget carry one build ID', () => {
    const config = byKind('ConfigMap')[0].data as Record<string, string>;
    expect(config.WORKER_DEPLOYMENT_NAME).toMatch(/^[A-Za-z0-9_-]+$/);
    const versions = workerVersions();
    expect(versions.length).toBeGreaterThan(0);
    for (const buildId of versions) {
      const name = `worker-${buildId}`;
      const d = deployments.find((x) => x.metadata.name === name);
      const container = d.spec.template.spec.containers[0];
      expect(container.env).toContainEqual({ name: 'WORKER_BUILD_ID', value: buildId });
      expect(d.spec.selector.matchLabels['webhook-sagas/build-id']).toBe(buildId);
      // Pinned per version: kustomization's `images` would move every version to one tag.
      expect(container.image).toMatch(/:[^:/]+$/);
      const scaler = byKind('ScaledObject').find((o) => o.spec.scaleTargetRef.name === name);
      expect(scaler.spec.triggers.find((t: any) => t.type === 'temporal').metadata).toMatchObject({
        workerDeploymentName: config.WORKER_DEPLOYMENT_NAME,
        workerDeploymentBuildId: buildId,
      });
      expect(byKind('PodDisruptionBudget').find((b) => b.metadata.name === name).spec.selector.matchLabels['webhook-sagas/build-id']).toBe(buildId);
    }
  });

  it('probes the receiver on /healthz and /readyz, and every pod runs as non-root with config and secrets injected', () => {
    const receiver = deployments.find((d) => d.metadata.name === 'receiver');
    const container = receiver.spec.template.spec.containers[0];
    expect(container.readinessProbe.httpGet.path).toBe('/readyz');
    expect(container.livenessProbe.httpGet.path).toBe('/healthz');
    for (const d of deployments) {
      const spec = d.spec.template.spec;
      expect(spec.securityContext.runAsNonRoot).toBe(true);
      const c = spec.containers[0];
      expect(c.envFrom).toEqual([{ configMapRef: { name: 'webhook-sagas-config' } }, { secretRef: { name: 'webhook-sagas-secrets' } }]);
      expect(c.resources.requests).toBeDefined();
      // Selectors must match the pod labels, or the Deployment is rejected.
      expect(d.spec.template.metadata.labels).toMatchObject(d.spec.selector.matchLabels);
    }
  });

  it('scales each Deployment by exactly one autoscaler, which alone sets its replica count, and protects it', () => {
    const targets = [...byKind('HorizontalPodAutoscaler'), ...byKind('ScaledObject')].map((a) => a.spec.scaleTargetRef.name).sort();
    expect(targets).toEqual(deployments.map((d) => d.metadata.name).sort());
    for (const d of deployments) expect([d.metadata.name, d.spec.replicas]).toEqual([d.metadata.name, undefined]);
    for (const pdb of byKind('PodDisruptionBudget')) {
      const target = deployments.find((d) => d.metadata.name === pdb.metadata.name);
      expect(target.spec.template.metadata.labels).toMatchObject(pdb.spec.selector.matchLabels);
    }
  });

  it("scales workers on the task queue's backlog (KEDA's Temporal scaler, same server and queue as the config) beside CPU", () => {
    const config = byKind('ConfigMap')[0].data as Record<string, string>;
    const [worker] = byKind('ScaledObject');
    expect(worker.spec.scaleTargetRef.name).toBe(`worker-${workerVersions()[0]}`);
    const byType = Object.fromEntries(worker.spec.triggers.map((t: any) => [t.type, t]));
    expect(Object.keys(byType).sort()).toEqual(['cpu', 'temporal']);
    expect(byType.temporal.metadata).toMatchObject({
      endpoint: config.TEMPORAL_ADDRESS,
      namespace: config.TEMPORAL_NAMESPACE,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      queueTypes: 'workflow,activity',
    });
    expect(Number(byType.temporal.metadata.targetQueueSize)).toBeGreaterThan(0);
    expect(byType.cpu.metricType).toBe('Utilization');
  });

  it('drains a receiver before SIGTERM, within the grace period', () => {
    const spec = deployments.find((d) => d.metadata.name === 'receiver').spec.template.spec;
    const [, seconds] = spec.containers[0].lifecycle.preStop.exec.command;
    expect(Number(seconds)).toBeGreaterThan(0);
    // preStop, then the receiver's own 10 s drain (src/server.ts), must end before SIGKILL.
    expect(spec.terminationGracePeriodSeconds).toBeGreaterThan(Number(seconds) + 10);
  });

  it('exposes /webhooks alone over TLS to vendors, the console on another host, and never /metrics or the probes', () => {
    const ingresses = byKind('Ingress');
    const paths = (i: any) => i.spec.rules.flatMap((r: any) => r.http.paths.map((p: any) => p.path));
    const webhooks = ingresses.find((i) => i.metadata.name === 'webhooks');
    const ops = ingresses.find((i) => i.metadata.name === 'ops');
    expect(paths(webhooks)).toEqual(['/webhooks']);
    expect(paths(ops)).toEqual(['/ops']);
    for (const i of [webhooks, ops]) expect(i.spec.tls[0].hosts).toEqual(i.spec.rules.map((r: any) => r.host));
    expect(ops.spec.ingressClassName).not.toBe(webhooks.spec.ingressClassName);
    expect(ops.spec.rules[0].host).not.toBe(webhooks.spec.rules[0].host);
    for (const path of ingresses.flatMap(paths)) expect(path).not.toMatch(/^\/($|metrics|readyz|healthz)/);
  });

  it('configures only variables the application knows, secrets apart from config', () => {
    const config = byKind('ConfigMap')[0].data as Record<string, string>;
    const secret = documents('k8s/secret.example.yaml')[0].stringData as Record<string, string>;
    for (const key of [...Object.keys(config), ...Object.keys(secret)]) expect([key, envExampleKeys.has(key)]).toEqual([key, true]);
    for (const key of Object.keys(config)) expect(key).not.toMatch(/SECRET|TOKEN|PASSWORD|API_KEY/);
  });

  it('deployed with its keys filled in, every vendor verifies its deliveries and the console has a key', () => {
    // The example's keys with values of the right shape (the dev secrets where there is one): a key
    // missing from the example leaves its vendor refusing everything, or the console answering 503.
    const secret = documents('k8s/secret.example.yaml')[0].stringData as Record<string, string>;
    const filled = Object.fromEntries(Object.entries(secret).map(([key, placeholder]) => [key, DEV_SECRETS[key] ?? placeholder]));
    const env = { ...(byKind('ConfigMap')[0].data as Record<string, string>), ...filled };
    const vendors = buildSourceInstances(env).filter((i) => !(DECLARED_KINDS as readonly string[]).includes(i.definition.name));
    expect(vendors.map((i) => i.definition.name).sort()).toEqual(SOURCE_DEFINITIONS.map((d) => d.name).filter((n) => !(DECLARED_KINDS as readonly string[]).includes(n)).sort());
    for (const { definition, config, adapter } of vendors) {
      const dir = definition.sender.fixturesDir(config);
      const now = new Date();
      const signed = definition.sender.sign(loadFixture(dir, listFixtures(dir)[0]!), config, { now });
      expect(() => adapter.verify(asDelivery(signed, now), now)).not.toThrow();
    }
    expect(opsConfigFromEnv(env).jwt.key).toBeDefined();
  });

  it('asks compose for the same secrets (Temporal Cloud apart: compose runs its own Temporal)', () => {
    const secret = Object.keys(documents('k8s/secret.example.yaml')[0].stringData).filter((k) => k !== 'TEMPORAL_API_KEY');
    const stack = envFileKeys(read('stack.env.example'));
    expect(stack).toEqual(expect.arrayContaining(secret));
    for (const key of stack) expect([key, envExampleKeys.has(key)]).toEqual([key, true]);
  });
});
