/**
 * Recorded histories are committed, so they must not carry the recording machine's paths: stack
 * traces name every file as an absolute path. These become relative to the repository (a file of
 * ours as `sagas/activities/report.ts`, a dependency as `node_modules/...`).
 */
export function withoutMachinePaths<T>(value: T, root: string): T {
  const prefix = `${root.replace(/\/+$/, '')}/`;
  const strip = (text: string) =>
    text
      .split(`file://${prefix}`)
      .join('')
      .split(prefix)
      .join('')
      // A dependency installed elsewhere (a global or hoisted node_modules).
      .replace(/(?:file:\/\/)?(?:\/[^\s():/]+)+\/node_modules\//g, 'node_modules/');
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return strip(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(value) as T;
}
