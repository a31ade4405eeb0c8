import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { Logger } from '@rapport/observability';
import { LOGGER } from '@rapport/service-kit';
import { AuditRetentionService } from './audit-retention.service';

/** Retention is in days: pruning hourly keeps an entry at most an hour past it. */
const PRUNE_EVERY_MS = 60 * 60 * 1000;

/**
 * Applies each tenant's retention hourly. Replicas may prune at the same
 * time: the chain lock serialises them and the second finds nothing left.
 */
@Injectable()
export class AuditPruning implements OnApplicationBootstrap, OnModuleDestroy {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly retention: AuditRetentionService,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.pruneAll().catch((err: unknown) => this.logger.error({ err }, 'audit pruning failed; trying again next hour'));
    }, PRUNE_EVERY_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
  }

  async pruneAll(now = new Date()): Promise<void> {
    for (const tenantId of await this.retention.tenantsWithRetention()) {
      try {
        const pruned = await this.retention.prune(tenantId, now);
        if (pruned > 0) this.logger.info({ tenantId, pruned }, 'audit entries past retention pruned');
      } catch (err) {
        this.logger.error({ err, tenantId }, 'audit pruning failed; trying again next hour');
      }
    }
  }
}
