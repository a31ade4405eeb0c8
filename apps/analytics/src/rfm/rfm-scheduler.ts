import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { SYSTEM_ACTOR } from '@rapport/contracts';
import type { Logger } from '@rapport/observability';
import { JobQueues, LOGGER, SERVICE_CONFIG } from '@rapport/service-kit';
import type { Job, Queue } from 'bullmq';
import type { AnalyticsConfig } from '../analytics.env';
import { RfmService } from './rfm.service';

export const RFM_QUEUE = 'analytics-rfm';

interface RfmJobData {
  tenantId: string;
}

/** One pending recompute per tenant: requests made while one waits collapse into it. */
export function rfmDeduplicationId(tenantId: string): string {
  return `rfm-${tenantId}`;
}

/**
 * Recomputes a tenant's RFM in the background after its orders change
 * (BullMQ on Redis; keys under REDIS_PREFIX). A request waits
 * ANALYTICS_RFM_DELAY_MS so a burst of batches costs one recompute; while a
 * recompute runs, one more is kept (keepLastIfActive) so orders committed
 * during the run are scored by the next. The job is idempotent: it recomputes
 * from the orders, whatever ran before.
 */
@Injectable()
export class RfmScheduler implements OnModuleInit {
  private queue!: Queue<RfmJobData>;

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: AnalyticsConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly rfm: RfmService,
    private readonly jobs: JobQueues,
  ) {}

  onModuleInit(): void {
    this.queue = this.jobs.queue<RfmJobData>(RFM_QUEUE, {
      attempts: 5,
      backoff: { type: 'exponential', delay: 1000 },
      removeOnComplete: 100,
      removeOnFail: 1000,
    });
    this.jobs.worker<RfmJobData>(RFM_QUEUE, (job) => this.run(job), {
      concurrency: this.config.ANALYTICS_RFM_CONCURRENCY,
      describe: (job) => ({ tenantId: job.data.tenantId }),
    });
  }

  /**
   * Asks for a recompute of the tenant soon. Never throws: the orders are
   * already stored, and a lost request is repaired by the next one (or by
   * `recomputeRfm`), so Redis trouble must not fail an ingest.
   */
  request(tenantId: string): void {
    this.queue
      .add(
        'recompute',
        { tenantId },
        { delay: this.config.ANALYTICS_RFM_DELAY_MS, deduplication: { id: rfmDeduplicationId(tenantId), keepLastIfActive: true } },
      )
      .catch((err: unknown) => this.logger.error({ err, tenantId }, 'could not schedule an RFM recompute'));
  }

  private async run(job: Job<RfmJobData>): Promise<void> {
    const outcome = await this.rfm.recompute(job.data.tenantId, SYSTEM_ACTOR);
    this.logger.info({ tenantId: job.data.tenantId, scored: outcome.customersScored }, 'RFM recomputed');
  }
}
