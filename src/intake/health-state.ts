import type { Logger } from '../logger';

/**
 * Remembers which dependencies last failed, so that running degraded is logged once when it starts
 * and once when it ends (not once per delivery), and /readyz can say since when.
 */
export class DependencyState {
  private readonly down = new Map<string, { since: Date; error: string }>();

  constructor(private readonly logger: Logger) {}

  failed(name: string, err: unknown, consequence: string): void {
    if (this.down.has(name)) return;
    const error = (err as Error)?.message ?? String(err);
    this.down.set(name, { since: new Date(), error });
    this.logger.warn(`${name} unavailable: running degraded`, { dependency: name, error, consequence });
  }

  recovered(name: string): void {
    const was = this.down.get(name);
    if (!was) return;
    this.down.delete(name);
    this.logger.info(`${name} available again`, { dependency: name, downForMs: Date.now() - was.since.getTime() });
  }
}
