import type { TenantGenerations } from './tenant-generations';

/** How often replacements that failed (Redis unreachable) are tried again. */
export const RETRY_EVERY_MS = 250;

export interface TenantChangesLogger {
  error(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

/**
 * Tells the gateways' read caches (ADR 080, 084) that a tenant's data changed:
 * replaces the tenant's generation in Redis, so no replica serves an answer
 * read before the change. The writer says so itself, right after its commit
 * — a service after each tenant transaction that wrote — and waits for it
 * before going on (a consumer
 * before it acknowledges its events, a resolver before it answers), so once
 * a change is visible as done, no answer from before it is served.
 *
 * Replacements asked for in one turn of the event loop go to Redis as one
 * pipeline. A failed one never fails the write (it has committed): the
 * tenant is kept and tried again every RETRY_EVERY_MS until Redis takes it,
 * and `failing()` says so meanwhile (the service shows it on /health).
 */
export class TenantChanges {
  private due = new Map<string, Array<() => void>>();
  private readonly unreplaced = new Set<string>();
  private retrying: NodeJS.Timeout | null = null;

  constructor(
    private readonly generations: TenantGenerations,
    private readonly logger: TenantChangesLogger,
  ) {}

  /** Resolves once the tenant's generation has been replaced, or the attempt failed and was queued for retry; never rejects. */
  changed(tenantId: string): Promise<void> {
    return new Promise((resolve) => {
      if (this.due.size === 0) setImmediate(() => void this.flush());
      const waiting = this.due.get(tenantId);
      if (waiting) waiting.push(resolve);
      else this.due.set(tenantId, [resolve]);
    });
  }

  /** Some change has not reached Redis yet: answers kept from before it may still be served. */
  failing(): boolean {
    return this.unreplaced.size > 0;
  }

  close(): void {
    if (this.retrying) clearInterval(this.retrying);
    this.retrying = null;
  }

  private async flush(): Promise<void> {
    const due = this.due;
    this.due = new Map();
    await this.replace([...due.keys()]);
    for (const waiting of due.values()) for (const resolve of waiting) resolve();
  }

  private async replace(tenantIds: string[]): Promise<void> {
    try {
      await this.generations.bump(tenantIds);
      const recovered = this.unreplaced.size > 0;
      tenantIds.forEach((t) => this.unreplaced.delete(t));
      if (recovered && this.unreplaced.size === 0) {
        this.close();
        this.logger.info({}, 'read cache: tenant generations replaced again after a Redis failure');
      }
    } catch (err) {
      const first = this.unreplaced.size === 0;
      tenantIds.forEach((t) => this.unreplaced.add(t));
      if (first) this.logger.error({ err, tenants: tenantIds.length }, 'read cache: could not replace tenant generations; retrying');
      this.retrying ??= setInterval(() => void this.replace([...this.unreplaced]), RETRY_EVERY_MS);
      this.retrying.unref();
    }
  }
}
