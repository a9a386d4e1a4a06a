import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';

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

describe('deploy/Dockerfile', () => {
  const dockerfile = read('Dockerfile');

  it('is multi-stage, runs as a non-root user, ships production dependencies only and a prebuilt bundle', () => {
    expect(dockerfile.match(/^FROM /gm)?.length).toBeGreaterThanOrEqual(3);
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/WORKFLOW_BUNDLE_PATH=\/app\/dist\/workflow-bundle\.js/);
    expect(dockerfile).toMatch(/npm run build/);
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

  it('sends webhook and console traffic to the receiver service, and keeps /metrics inside', () => {
    const nginx = read('nginx.conf');
    expect(nginx).toMatch(/server receiver:3000/);
    expect(nginx).toMatch(/location \/webhooks\/ \{\s*proxy_pass http:\/\/receivers;/);
    expect(nginx).toMatch(/location \/ \{\s*return 404;/);
    expect(nginx).not.toMatch(/location \/metrics/);
  });

  it('sets only variables the application knows', () => {
    for (const key of Object.keys(services.receiver.environment)) expect([key, envExampleKeys.has(key)]).toEqual([key, true]);
  });
});

describe('deploy/k8s', () => {
  const kustomization = parse(read('k8s/kustomization.yaml'));
  const resources: any[] = (kustomization.resources as string[]).flatMap((file) => documents(`k8s/${file}`));
  const byKind = (kind: string) => resources.filter((r) => r.kind === kind);
  const deployments = byKind('Deployment');

  it('lists resource files that exist and parse', () => {
    expect(resources.length).toBeGreaterThan(5);
    expect(deployments.map((d) => d.metadata.name).sort()).toEqual(['receiver', 'worker']);
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

  it('scales and protects both Deployments', () => {
    const names = deployments.map((d) => d.metadata.name).sort();
    expect(byKind('HorizontalPodAutoscaler').map((h) => h.spec.scaleTargetRef.name).sort()).toEqual(names);
    for (const pdb of byKind('PodDisruptionBudget')) {
      const target = deployments.find((d) => d.metadata.name === pdb.metadata.name);
      expect(target.spec.template.metadata.labels).toMatchObject(pdb.spec.selector.matchLabels);
    }
  });

  it('configures only variables the application knows, secrets apart from config', () => {
    const config = byKind('ConfigMap')[0].data as Record<string, string>;
    const secret = documents('k8s/secret.example.yaml')[0].stringData as Record<string, string>;
    for (const key of [...Object.keys(config), ...Object.keys(secret)]) expect([key, envExampleKeys.has(key)]).toEqual([key, true]);
    for (const key of Object.keys(config)) expect(key).not.toMatch(/SECRET|TOKEN|PASSWORD/);
  });
});
