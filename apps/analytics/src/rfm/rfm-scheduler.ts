import { Inject, Injectable, type BeforeApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { SYSTEM_ACTOR } from '@rapport/contracts';
import { HealthRegistry, type Logger } from '@rapport/observability';
import { LOGGER, SERVICE_CONFIG } from '@rapport/service-kit';
import { Queue, Worker, type Job } from 'bullmq';
import Redis from 'ioredis';
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
export class RfmScheduler implements OnModuleInit, BeforeApplicationShutdown {
  private connection!: Redis;
  private queue!: Queue<RfmJobData>;
  private worker!: Worker<RfmJobData>;

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: AnalyticsConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly rfm: RfmService,
    private readonly health: HealthRegistry,
  ) {}

  onModuleInit(): void {
    // BullMQ's blocking commands need maxRetriesPerRequest: null.
    this.connection = new Redis(this.config.REDIS_URL, { maxRetriesPerRequest: null });
    const common = { connection: this.connection, prefix: this.config.REDIS_PREFIX };
    this.queue = new Queue<RfmJobData>(RFM_QUEUE, {
      ...common,
      defaultJobOptions: { attempts: 5, backoff: { type: 'exponential', delay: 1000 }, removeOnComplete: 100, removeOnFail: 1000 },
    });
    this.worker = new Worker<RfmJobData>(RFM_QUEUE, (job) => this.run(job), {
      ...common,
      concurrency: this.config.ANALYTICS_RFM_CONCURRENCY,
    });
    this.worker.on('failed', (job, err) =>
      this.logger.error({ err, tenantId: job?.data.tenantId, attempt: job?.attemptsMade }, 'RFM recompute failed'),
    );
    this.health.register('redis', async () => {
      if ((await this.connection.ping()) !== 'PONG') throw new Error('unexpected PING reply');
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

  /** Finishes the running recompute (worker.close waits for it) before the database closes. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.worker?.close();
    await this.queue?.close();
    this.connection?.disconnect();
  }
}
