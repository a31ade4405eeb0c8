import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { SYSTEM_ACTOR, type EventActor } from '@rapport/contracts';
import type { Logger } from '@rapport/observability';
import { JobQueues, LOGGER, SERVICE_CONFIG } from '@rapport/service-kit';
import { DelayedError, type Job, type Queue } from 'bullmq';
import type { AnalyticsConfig } from '../analytics.env';
import { RfmService } from './rfm.service';

export const RFM_QUEUE = 'analytics-rfm';

interface RfmJobData {
  tenantId: string;
  /** A run queued by startRfmRecompute (ADR 055), with whoever asked for it; absent for recomputes after orders. */
  runId?: string;
  actor?: EventActor;
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
 * during the run are scored by the next. Such a recompute starts no sooner
 * than pacing allows (pacedRecomputeStart: at most
 * ANALYTICS_RFM_MAX_SHARE_PERCENT of the time); until then the job waits
 * delayed, and requests made meanwhile collapse into it. The job is
 * idempotent: it recomputes from the orders, whatever ran before.
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
    this.jobs.worker<RfmJobData>(RFM_QUEUE, (job, token) => this.run(job, token), {
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

  /** Queues a run of startRfmRecompute (its own job, never collapsed into another: the run reports on itself). */
  async enqueueRun(tenantId: string, runId: string, actor: EventActor): Promise<void> {
    await this.queue.add('run', { tenantId, runId, actor }, { jobId: `rfm-run-${runId}` });
  }

  private async run(job: Job<RfmJobData>, token?: string): Promise<void> {
    const { tenantId, runId, actor } = job.data;
    if (!runId) {
      const notBefore = await this.rfm.pacedStart(tenantId, this.config.ANALYTICS_RFM_MAX_SHARE_PERCENT);
      if (notBefore && notBefore.getTime() > Date.now()) {
        await job.moveToDelayed(notBefore.getTime(), token);
        throw new DelayedError();
      }
      const outcome = await this.rfm.recompute(tenantId, SYSTEM_ACTOR);
      this.logger.info({ tenantId, scored: outcome.customersScored }, 'RFM recomputed');
      return;
    }
    try {
      const outcome = await this.rfm.runQueued(tenantId, runId, actor ?? SYSTEM_ACTOR);
      this.logger.info({ tenantId, runId, scored: outcome?.customersScored ?? null }, 'RFM recompute run finished');
    } catch (err) {
      // Retried with backoff; the last attempt's error is the run's.
      if (job.attemptsMade + 1 >= (job.opts.attempts ?? 1)) await this.rfm.failRun(tenantId, runId, (err as Error).message);
      throw err;
    }
  }
}
