import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';

/**
 * The image's build stage compiles only what deploy/Dockerfile copies into it. Without a container
 * engine here, the same thing is done in a temporary folder: the build stage's COPY sources (minus
 * .dockerignore) are copied, node_modules is linked in place of its `npm ci`, and its other RUN
 * commands (`npm run build`: tsc, the console's page, the workflow bundle) run there. A production
 * file importing something the image does not get (test/, sandbox/) fails the build.
 */
const ROOT = resolve(__dirname, '..', '..');

function buildStage(dockerfile: string): string {
  const stages = dockerfile.split(/^FROM /m).slice(1);
  const build = stages.find((s) => /^\S+\s+AS\s+build\s*$/im.test(s.split('\n')[0]!));
  if (!build) throw new Error('deploy/Dockerfile has no stage named build');
  return build;
}

/** The shell commands of the build stage's RUN lines (one line each in this Dockerfile). */
export function buildStageRuns(dockerfile: string): string[] {
  return buildStage(dockerfile)
    .split('\n')
    .filter((line) => /^RUN\s/.test(line))
    .map((line) => line.replace(/^RUN\s+/, '').trim());
}

/** `COPY <src>... <dest>` lines of the stage named `build`, without --from (those copy between stages). */
export function buildStageCopies(dockerfile: string): { sources: string[]; dest: string }[] {
  return buildStage(dockerfile)
    .split('\n')
    .filter((line) => /^COPY\s/.test(line) && !/--from=/.test(line))
    .map((line) => {
      const words = line.trim().split(/\s+/).slice(1).filter((w) => !w.startsWith('--'));
      return { sources: words.slice(0, -1), dest: words[words.length - 1]! };
    });
}

function ignored(path: string, patterns: string[]): boolean {
  return patterns.some((p) => path === p || path.startsWith(`${p}/`));
}

describe('the image build (deploy/Dockerfile)', () => {
  let dir: string;
  afterAll(() => dir && rmSync(dir, { recursive: true, force: true }));

  it('builds from exactly what the build stage copies, and leaves the sandbox out', () => {
    const dockerfile = readFileSync(join(ROOT, 'deploy', 'Dockerfile'), 'utf8');
    const copies = buildStageCopies(dockerfile);
    expect(copies.flatMap((c) => c.sources)).toEqual(expect.arrayContaining(['tsconfig.build.json', 'src', 'core']));
    const dockerignore = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim().replace(/\/$/, ''))
      .filter((l) => l && !l.startsWith('#'));

    dir = mkdtempSync(join(tmpdir(), 'image-build-'));
    for (const { sources, dest } of copies) {
      for (const source of sources) {
        const target = dest.endsWith('/') || sources.length > 1 ? join(dir, dest, source) : join(dir, dest);
        cpSync(join(ROOT, source), target, { recursive: true, filter: (from) => !ignored(relative(ROOT, from), dockerignore) });
      }
    }
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');

    const runs = buildStageRuns(dockerfile);
    expect(runs[0]).toMatch(/^npm ci\b/); // replaced by the linked node_modules
    expect(runs.slice(1)).toEqual(['npm run build']);
    for (const command of runs.slice(1)) {
      const build = spawnSync('sh', ['-c', command], { cwd: dir, encoding: 'utf8' });
      expect([command, build.status, build.status === 0 ? '' : build.stdout + build.stderr]).toEqual([command, 0, '']);
    }
    for (const file of ['src/server.js', 'src/worker.js', 'src/forwarder.js', 'workflow-bundle.js', 'src/ops/public/index.html']) {
      expect([file, existsSync(join(dir, 'dist', file))]).toEqual([file, true]);
    }
    // The development sandbox is neither copied nor compiled.
    expect(existsSync(join(dir, 'sandbox'))).toBe(false);
    expect(existsSync(join(dir, 'dist', 'sandbox'))).toBe(false);
  });

  it('finds the COPY and RUN lines of the build stage only', () => {
    const dockerfile = 'FROM node AS build\nCOPY a b ./\nRUN make\nCOPY src ./src\nFROM node AS runtime\nCOPY --from=build /app/dist ./dist\nCOPY x ./\nRUN other\n';
    expect(buildStageCopies(dockerfile)).toEqual([
      { sources: ['a', 'b'], dest: './' },
      { sources: ['src'], dest: './src' },
    ]);
    expect(buildStageRuns(dockerfile)).toEqual(['make']);
  });
});
