import { createHash } from 'node:crypto';
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { Logger } from '@rapport/observability';
import { JobQueues, LOGGER, SERVICE_CONFIG } from '@rapport/service-kit';
import type { Job, Queue } from 'bullmq';
import type { AnalyticsConfig } from '../analytics.env';
import { ClvEngine } from './clv-engine';

export const CLV_FIT_QUEUE = 'analytics-clv-fit';
export const CLV_SCORE_QUEUE = 'analytics-clv-score';
/** Job scheduler (repeatable job) id of the periodic rescoring of every tenant. */
export const CLV_RESCORE_SCHEDULER = 'clv-rescore-all-tenants';
/** Tenant id of the periodic job's data: it fans out to one full scoring per tenant. */
const ALL_TENANTS = '*';

interface FitJobData {
  tenantId: string;
  modelId: string;
}

interface ScoreJobData {
  tenantId: string;
  /** null: every customer (after a fit). */
  contactIds: string[] | null;
}

/** Identifies a fit request by tenant and inputs: the same request while one is pending collapses into it. */
export function fitRequestKey(
  tenantId: string,
  inputs: { calibrationEnd: Date; timeUnit: string; holdoutEnd: Date | null; kind: string; asOf: Date | null },
): string {
  const parts = [tenantId, inputs.calibrationEnd.toISOString(), inputs.timeUnit, inputs.holdoutEnd?.toISOString() ?? ''];
  // BG/NBD without asOf keeps the key it had before kinds and asOf existed.
  if (inputs.kind !== 'BG_NBD' || inputs.asOf) parts.push(inputs.kind, inputs.asOf?.toISOString() ?? '');
  return createHash('sha256').update(parts.join('|')).digest('hex').slice(0, 32);
}

/** BullMQ job id of a fit (no ':' — BullMQ reserves it). */
export function fitJobId(tenantId: string, requestKey: string): string {
  return `clv-fit-${tenantId}-${requestKey}`;
}

/**
 * CLV background work (BullMQ on Redis, keys under REDIS_PREFIX): fits, and
 * scorings — of everyone after a fit, of the affected customers when their
 * orders change. A fit's job id is derived from the tenant and its inputs,
 * and finished jobs are removed, so duplicates collapse while pending and a
 * later identical request fits again. A full scoring of a tenant is
 * deduplicated like the RFM recompute; incremental ones carry their contacts.
 * A job scheduler (ANALYTICS_CLV_RESCORE_CRON, daily by default) rescores
 * every tenant with a fitted model, so scores follow the passing time.
 */
@Injectable()
export class ClvScheduler implements OnModuleInit {
  private fitQueue!: Queue<FitJobData>;
  private scoreQueue!: Queue<ScoreJobData>;

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: AnalyticsConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly engine: ClvEngine,
    private readonly jobs: JobQueues,
  ) {}

  onModuleInit(): void {
    const defaultJobOptions = { attempts: 3, backoff: { type: 'exponential', delay: 1000 }, removeOnComplete: true, removeOnFail: 1000 };
    this.fitQueue = this.jobs.queue<FitJobData>(CLV_FIT_QUEUE, defaultJobOptions);
    this.scoreQueue = this.jobs.queue<ScoreJobData>(CLV_SCORE_QUEUE, defaultJobOptions);
    this.jobs.worker<FitJobData>(CLV_FIT_QUEUE, (job) => this.runFit(job), {
      concurrency: 1,
      describe: (job) => ({ tenantId: job.data.tenantId, modelId: job.data.modelId }),
    });
    this.jobs.worker<ScoreJobData>(CLV_SCORE_QUEUE, (job) => this.runScore(job), {
      concurrency: this.config.ANALYTICS_RFM_CONCURRENCY,
      describe: (job) => ({ tenantId: job.data.tenantId }),
    });
    // Scores age (T grows, P(alive) falls): rescore every tenant periodically. Not awaited, so a
    // Redis outage cannot hold up the start; a bad pattern is logged.
    const schedule = this.config.ANALYTICS_CLV_RESCORE_CRON.trim();
    const scheduled = schedule
      ? this.scoreQueue.upsertJobScheduler(
          CLV_RESCORE_SCHEDULER,
          { pattern: schedule, tz: 'UTC' },
          { name: 'rescore-all', data: { tenantId: ALL_TENANTS, contactIds: null } },
        )
      : this.scoreQueue.removeJobScheduler(CLV_RESCORE_SCHEDULER);
    scheduled.catch((err: unknown) => this.logger.error({ err, schedule }, 'could not schedule the periodic CLV rescoring'));
  }

  /** Asks for a full scoring of every tenant with an active model (what the periodic job does). */
  async rescoreAllTenants(): Promise<number> {
    const tenants = await this.engine.tenantsWithModels();
    for (const tenantId of tenants) this.requestScoring(tenantId, null);
    return tenants.length;
  }

  /** Queues the fit of a stored QUEUED model. Throws: the caller reports it (the model stays QUEUED). */
  async requestFit(tenantId: string, modelId: string, requestKey: string): Promise<void> {
    await this.fitQueue.add('fit', { tenantId, modelId }, { jobId: fitJobId(tenantId, requestKey) });
  }

  /**
   * Asks for a scoring of the given contacts (null = all) soon. Never throws:
   * the orders are stored; the next scoring repairs a lost request.
   */
  requestScoring(tenantId: string, contactIds: readonly string[] | null): void {
    const ids = contactIds ? [...new Set(contactIds)] : null;
    if (ids && ids.length === 0) return;
    const options = ids
      ? {}
      : { delay: this.config.ANALYTICS_RFM_DELAY_MS, deduplication: { id: `clv-score-${tenantId}`, keepLastIfActive: true } };
    this.scoreQueue
      .add('score', { tenantId, contactIds: ids }, options)
      .catch((err: unknown) => this.logger.error({ err, tenantId }, 'could not schedule a CLV scoring'));
  }

  private async runFit(job: Job<FitJobData>): Promise<void> {
    let model;
    try {
      model = await this.engine.fit(job.data.tenantId, job.data.modelId);
    } catch (err) {
      // Last attempt: record the failure, so the model does not stay RUNNING (and block the same request) for ever.
      if (job.attemptsMade + 1 >= (job.opts.attempts ?? 1)) {
        await this.engine.markFailed(job.data.tenantId, job.data.modelId, `fit job failed: ${(err as Error).message}`);
      }
      throw err;
    }
    this.logger.info({ tenantId: job.data.tenantId, modelId: job.data.modelId, status: model?.status }, 'CLV model fitted');
    if (model?.active) this.requestScoring(job.data.tenantId, null);
  }

  private async runScore(job: Job<ScoreJobData>): Promise<void> {
    if (job.data.tenantId === ALL_TENANTS) {
      this.logger.info({ tenants: await this.rescoreAllTenants() }, 'periodic CLV rescoring requested');
      return;
    }
    const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    const outcome = await this.engine.score(job.data.tenantId, job.data.contactIds, { lastAttempt });
    if (outcome.failure) {
      // The model is FAILED (visible on ClvModel.failureReason); the one active before it rescores everyone.
      this.logger.error({ tenantId: job.data.tenantId, ...outcome }, 'CLV scoring failed');
      if (outcome.fallbackModelId) this.requestScoring(job.data.tenantId, null);
      return;
    }
    this.logger.info({ tenantId: job.data.tenantId, ...outcome }, 'CLV scored');
  }
}
