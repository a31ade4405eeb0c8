import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { TenantChanges, TenantGenerations } from '@rapport/messaging';
import { HealthRegistry, type Logger } from '@rapport/observability';
import { TenantDatabase } from '@rapport/persistence';
import Redis from 'ioredis';
import type { PlatformConfig } from './service-config';
import { LOGGER, SERVICE_CONFIG } from './tokens';

/**
 * After every tenant transaction of this service that wrote, the tenant's
 * generation in Redis is replaced before the write's caller goes on (ADR
 * 084): the gateways then serve no answer read before it. Consumers count
 * too — a value this service derives from another's event (marketing's
 * segments, analytics' RFM) is dropped from the caches when it is written,
 * however late that is.
 *
 * Redis trouble never fails or delays a write: the replacement is retried
 * until it gets through, and /health shows `read-cache` failing meanwhile.
 */
@Injectable()
export class ReadCacheSignal implements OnApplicationShutdown {
  private readonly redis: Redis;
  private readonly changes: TenantChanges;
  private readonly again = new Map<string, NodeJS.Timeout>();

  constructor(
    @Inject(SERVICE_CONFIG) config: PlatformConfig,
    @Inject(LOGGER) logger: Logger,
    tenantDb: TenantDatabase,
    health: HealthRegistry,
  ) {
    // Fail fast rather than queue: a write must not wait for Redis to come back.
    this.redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 1, enableOfflineQueue: false, commandTimeout: 1000 });
    // Failures show in the retry's log line and on /health; the connection's own reconnect errors would repeat it.
    this.redis.on('error', () => undefined);
    this.changes = new TenantChanges(new TenantGenerations(this.redis, config.REDIS_PREFIX), logger);
    tenantDb.onCommittedWrites((tenantId) => this.changes.changed(tenantId));
    health.register(
      'read-cache',
      async () => {
        if (this.changes.failing()) throw new Error('tenant changes are not reaching Redis: gateways may serve answers from before them');
      },
      { readiness: false },
    );
  }

  /**
   * Replaces the tenant's generation again `afterMs` from now (later calls
   * move it on): for a change that replicas also hold in memory for up to
   * that long (access settings, teams), whose answers until then may be
   * read and kept under the generation the commit put in place.
   */
  changedAgainAfter(tenantId: string, afterMs: number): void {
    clearTimeout(this.again.get(tenantId));
    const timer = setTimeout(() => {
      this.again.delete(tenantId);
      void this.changes.changed(tenantId);
    }, afterMs);
    timer.unref();
    this.again.set(tenantId, timer);
  }

  onApplicationShutdown(): void {
    for (const timer of this.again.values()) clearTimeout(timer);
    this.changes.close();
    this.redis.disconnect();
  }
}
