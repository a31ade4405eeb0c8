export type HealthCheck = () => Promise<void>;

export interface HealthReport {
  status: 'ok' | 'unavailable';
  /** `readiness: false`: reported for operators, but a failure leaves the process ready. */
  checks: Record<string, { status: 'ok' | 'failed'; error?: string; ms: number; readiness?: false }>;
}

/**
 * Readiness: every dependency answers within the timeout and the process is
 * not shutting down. Liveness only says the event loop turns, so a database
 * outage makes pods unready (no traffic) rather than restarting them.
 */
export class HealthRegistry {
  private readonly checks = new Map<string, HealthCheck>();
  private readonly informational = new Set<string>();
  private draining = false;

  /** `readiness: false` for a dependency whose loss degrades the process but should not take it out of rotation. */
  register(name: string, check: HealthCheck, options: { readiness?: boolean } = {}): void {
    this.checks.set(name, check);
    if (options.readiness === false) this.informational.add(name);
    else this.informational.delete(name);
  }

  /** Called at shutdown so load balancers stop sending traffic first. */
  markDraining(): void {
    this.draining = true;
  }

  get isDraining(): boolean {
    return this.draining;
  }

  async readiness(timeoutMs = 2000): Promise<HealthReport> {
    const entries = await Promise.all(
      [...this.checks].map(async ([name, check]) => {
        const started = Date.now();
        const flag = this.informational.has(name) ? { readiness: false as const } : {};
        try {
          await withTimeout(check(), timeoutMs);
          return [name, { status: 'ok' as const, ms: Date.now() - started, ...flag }] as const;
        } catch (err) {
          return [name, { status: 'failed' as const, error: (err as Error).message, ms: Date.now() - started, ...flag }] as const;
        }
      }),
    );
    const checks = Object.fromEntries(entries);
    const ok = !this.draining && entries.every(([, r]) => r.status === 'ok' || r.readiness === false);
    return { status: ok ? 'ok' : 'unavailable', checks };
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
