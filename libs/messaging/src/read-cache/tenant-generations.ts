import { randomBytes } from 'node:crypto';
import type Redis from 'ioredis';

/**
 * One generation per tenant, in Redis so every gateway replica reads the
 * same one: an opaque value that a change in the tenant replaces. A cached
 * answer is stored under the generation read before its fetch started, so
 * once a change has replaced it no replica serves what was read before.
 *
 * The value is random rather than a counter: were the key lost (evicted,
 * Redis replaced), a counter would start again at values that answers still
 * in memory were stored under; a random value never comes back. A missing
 * key reads as "no generation" (nothing is cached for that request) and is
 * set then, so the next request has one.
 *
 * Reads are batched per turn of the event loop (one MGET for every request
 * that asked in that turn), as the rate limiter counts (ADR 079).
 */
export class TenantGenerations {
  private waiting = new Map<string, Waiter[]>();

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  key(tenantId: string): string {
    return `${this.prefix}:readcache:gen:${tenantId}`;
  }

  /** The tenant's generation now; null when it has none yet (the caller then does not cache). */
  read(tenantId: string): Promise<string | null> {
    return new Promise((resolve, reject) => {
      if (this.waiting.size === 0) setImmediate(() => void this.flush());
      const list = this.waiting.get(tenantId);
      if (list) list.push({ resolve, reject });
      else this.waiting.set(tenantId, [{ resolve, reject }]);
    });
  }

  /** Replaces the generations of these tenants: answers stored under the old ones are no longer served. */
  async bump(tenantIds: Iterable<string>): Promise<void> {
    const pipeline = this.redis.pipeline();
    for (const tenantId of tenantIds) pipeline.set(this.key(tenantId), freshGeneration());
    const results = (await pipeline.exec()) ?? [];
    const error = results.find(([err]) => err)?.[0];
    if (error) throw error;
  }

  private async flush(): Promise<void> {
    const waiting = this.waiting;
    this.waiting = new Map();
    const tenants = [...waiting.keys()];
    try {
      const values = await this.redis.mget(tenants.map((t) => this.key(t)));
      const missing = tenants.filter((_, i) => values[i] === null);
      // NX: a replica that set it meanwhile wins; either value is new.
      if (missing.length > 0) await this.bumpIfMissing(missing);
      tenants.forEach((tenant, i) => {
        for (const waiter of waiting.get(tenant) ?? []) waiter.resolve(values[i]);
      });
    } catch (err) {
      for (const list of waiting.values()) for (const waiter of list) waiter.reject(err);
    }
  }

  private async bumpIfMissing(tenantIds: string[]): Promise<void> {
    const pipeline = this.redis.pipeline();
    for (const tenantId of tenantIds) pipeline.set(this.key(tenantId), freshGeneration(), 'NX');
    await pipeline.exec();
  }
}

interface Waiter {
  resolve(generation: string | null): void;
  reject(err: unknown): void;
}

function freshGeneration(): string {
  return `${Date.now().toString(36)}.${randomBytes(8).toString('hex')}`;
}
