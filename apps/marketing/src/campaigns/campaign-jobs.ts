import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleInit } from '@nestjs/common';
import type { Logger } from '@rapport/observability';
import { returnedRows } from '@rapport/persistence';
import { AuditRecorder, JobQueues, LOGGER, SERVICE_CONFIG, ServiceDatabase } from '@rapport/service-kit';
import type { Job, Queue, Worker } from 'bullmq';
import type { MarketingConfig } from '../marketing.env';
import { SendPacer } from '../sending/send-pacer';
import { CampaignBatchSender, type BatchJobData } from './campaign-batch-sender';
import { CampaignLauncher } from './campaign-launcher';
import { CampaignsRepository } from './campaigns.repository';

export const CAMPAIGN_QUEUE = 'marketing-campaigns';
export const SEND_QUEUE = 'marketing-send';

interface CampaignJobData {
  tenantId: string;
  campaignId: string;
}

/**
 * The BullMQ side of campaigns. A launch (or a roll-out) is a flow: a
 * parent `complete` job whose children are the send batches (one job per
 * batch, retried with backoff); when every batch has finished the parent
 * closes the campaign. A scheduled campaign is a delayed `launch` job. Job
 * ids are derived from the campaign (and batch), so adding the same work
 * twice — e.g. the recovery at start-up — queues it once.
 */
@Injectable()
export class CampaignJobs implements OnModuleInit, OnApplicationBootstrap {
  private campaignQueue!: Queue<CampaignJobData>;
  private sendQueue!: Queue<BatchJobData>;
  private sendWorker!: Worker<BatchJobData>;
  private pacer!: SendPacer;

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: MarketingConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly jobs: JobQueues,
    private readonly db: ServiceDatabase,
    private readonly campaigns: CampaignsRepository,
    private readonly launcher: CampaignLauncher,
    private readonly batches: CampaignBatchSender,
    private readonly audit: AuditRecorder,
  ) {}

  onModuleInit(): void {
    this.pacer = new SendPacer(this.jobs.connection(), this.config.REDIS_PREFIX);
    this.campaignQueue = this.jobs.queue<CampaignJobData>(CAMPAIGN_QUEUE, {
      attempts: 5,
      backoff: { type: 'exponential', delay: 2000 },
      removeOnComplete: 1000,
      removeOnFail: 5000,
    });
    this.sendQueue = this.jobs.queue<BatchJobData>(SEND_QUEUE);
    this.jobs.worker<CampaignJobData>(CAMPAIGN_QUEUE, (job) => this.runCampaignJob(job), {
      concurrency: 2,
      describe: (job) => ({ tenantId: job.data.tenantId, campaignId: job.data.campaignId, job: job.name }),
    });
    this.sendWorker = this.jobs.worker<BatchJobData>(
      SEND_QUEUE,
      (job, token) => this.batches.run(job, this.sendWorker, this.pacer, token),
      {
        concurrency: this.config.MARKETING_SEND_CONCURRENCY,
        lockDuration: this.config.MARKETING_JOB_LOCK_MS,
        describe: (job) => ({ tenantId: job.data.tenantId, campaignId: job.data.campaignId, batch: job.data.batch }),
      },
    );
  }

  /**
   * After a restart. Queued jobs live in Redis and survive it, so normally
   * there is nothing to do; but batches whose job is gone (Redis lost its
   * data) are queued again, and scheduled launches re-armed.
   */
  /** Campaigns interrupted by a stop: scheduled launches and lost send batches are queued again. */
  onApplicationBootstrap(): void {
    this.jobs.inBackground('resuming campaigns', () => this.resumeCampaigns());
  }

  private async resumeCampaigns(): Promise<void> {
    const rows: { tenant_id: string; id: string; status: string; scheduled_at: Date | null }[] = await this.db.tenantDb.system((em) =>
      em.query(`SELECT tenant_id, id, status, scheduled_at FROM campaigns WHERE status IN ('SENDING', 'SCHEDULED')`),
    );
    for (const row of rows) {
      if (row.status === 'SCHEDULED' && row.scheduled_at) {
        await this.scheduleLaunch(row.tenant_id, row.id, row.scheduled_at);
        continue;
      }
      const batches: { batch: number }[] = await this.db.withTenant(row.tenant_id, (em) =>
        em.query(
          `SELECT DISTINCT batch FROM campaign_recipients WHERE campaign_id = $1 AND status IN ('PENDING', 'SENDING') AND batch IS NOT NULL ORDER BY batch`,
          [row.id],
        ),
      );
      const missing: number[] = [];
      for (const { batch } of batches) if (!(await this.sendQueue.getJob(batchJobId(row.id, batch)))) missing.push(batch);
      if (missing.length > 0) {
        this.logger.warn({ tenantId: row.tenant_id, campaignId: row.id, batches: missing.length }, 're-queueing lost send batches');
        await this.startWave(row.tenant_id, row.id, `resume${Date.now()}`, missing);
      }
    }
  }

  /** Queues a campaign's send batches under one `complete` parent. */
  async startWave(tenantId: string, campaignId: string, wave: string, batches: number[]): Promise<void> {
    await this.jobs.flows().add({
      name: 'complete',
      queueName: CAMPAIGN_QUEUE,
      data: { tenantId, campaignId },
      opts: { jobId: `complete-${campaignId}-${wave}`, attempts: 5, backoff: { type: 'exponential', delay: 2000 } },
      children: batches.map((batch) => ({
        name: 'batch',
        queueName: SEND_QUEUE,
        data: { tenantId, campaignId, batch },
        opts: {
          jobId: batchJobId(campaignId, batch),
          attempts: 8,
          backoff: { type: 'exponential', delay: 2000 },
          ignoreDependencyOnFailure: true,
          removeOnComplete: 1000,
          removeOnFail: 5000,
        },
      })),
    });
  }

  async scheduleLaunch(tenantId: string, campaignId: string, at: Date): Promise<void> {
    await this.campaignQueue.add(
      'launch',
      { tenantId, campaignId },
      { jobId: `launch-${campaignId}`, delay: Math.max(0, at.getTime() - Date.now()) },
    );
  }

  private async runCampaignJob(job: Job<CampaignJobData>): Promise<void> {
    if (job.name === 'launch') return this.launchScheduled(job.data);
    return this.complete(job.data);
  }

  /** A scheduled campaign's time has come: the audience is drawn now, as the segment is now. */
  private async launchScheduled({ tenantId, campaignId }: CampaignJobData): Promise<void> {
    const batches = await this.db.withTenant(tenantId, async (em) => {
      const campaign = await this.campaigns.load(em, tenantId, campaignId, { forUpdate: true });
      if (campaign.status !== 'SCHEDULED') return null;
      const { batches } = await this.launcher.start(em, tenantId, campaign, { enforceBudget: false });
      // The job launches what a user scheduled: the launch is the job's change, audited with the system as actor.
      await this.audit.record(em, {
        tenantId,
        action: 'campaign.launched',
        objectType: 'Campaign',
        objectId: campaignId,
        details: { scheduled: true, batches: batches.length },
      });
      return batches;
    });
    if (batches) await this.startWave(tenantId, campaignId, 'launch', batches);
  }

  /**
   * Every batch of the wave has run. What is still pending ran out of
   * retries; what is still SENDING was interrupted. The campaign is done
   * (until a roll-out sends more).
   */
  private async complete({ tenantId, campaignId }: CampaignJobData): Promise<void> {
    await this.db.withTenant(tenantId, async (em) => {
      await em.query(
        `UPDATE campaign_recipients SET status = CASE status WHEN 'PENDING' THEN 'FAILED' ELSE 'INTERRUPTED' END,
                skip_reason = CASE status WHEN 'PENDING' THEN 'RETRIES_EXHAUSTED' ELSE 'INTERRUPTED' END
          WHERE campaign_id = $1 AND status IN ('PENDING', 'SENDING')`,
        [campaignId],
      );
      const closed: unknown[] = await em.query(
        `UPDATE campaigns SET status = 'SENT', completed_at = now(), updated_at = now()
          WHERE tenant_id = $1 AND id = $2 AND status = 'SENDING' RETURNING id`,
        [tenantId, campaignId],
      );
      if (returnedRows(closed).length === 0) return;
      // One entry for the whole send, with the recipients per outcome (not one per message).
      const counts: { status: string; n: number }[] = await em.query(
        `SELECT status, count(*)::int AS n FROM campaign_recipients WHERE campaign_id = $1 GROUP BY status ORDER BY status`,
        [campaignId],
      );
      await this.audit.record(em, {
        tenantId,
        action: 'campaign.sent',
        objectType: 'Campaign',
        objectId: campaignId,
        details: { recipients: Object.fromEntries(counts.map((c) => [c.status, c.n])) },
      });
    });
    this.logger.info({ tenantId, campaignId }, 'campaign sent');
  }
}

export function batchJobId(campaignId: string, batch: number): string {
  return `batch-${campaignId}-${batch}`;
}
