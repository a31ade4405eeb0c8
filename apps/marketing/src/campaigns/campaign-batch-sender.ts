import { Inject, Injectable } from '@nestjs/common';
import { returnedRows } from '@rapport/persistence';
import type { ServiceMetrics } from '@rapport/observability';
import { METRICS, SERVICE_CONFIG, ServiceDatabase } from '@rapport/service-kit';
import { DelayedError, type Job, type Worker } from 'bullmq';
import type { EntityManager } from 'typeorm';
import type { MarketingConfig } from '../marketing.env';
import { ChannelRegistry } from '../sending/channel-registry';
import { MessageSender } from '../sending/message-sender';
import { failInterrupted } from '../sending/message-rows';
import { templateView } from '../sending/recipient-view';
import { SendPacer } from '../sending/send-pacer';
import { claimRecipients } from './campaign-claim';
import { campaignSendMetrics, type CampaignSendMetrics } from './campaign-send-metrics';
import type { CampaignView, VariantView } from './campaign-view';
import { CampaignsRepository } from './campaigns.repository';

export interface BatchJobData {
  tenantId: string;
  campaignId: string;
  batch: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Sends one batch of a campaign, a claim at a time: paced to the
 * provider's and the campaign's rate, the next pending recipients are
 * checked (each one: consent, suppression, complaints, address) and claimed
 * at send time in one transaction, sent together over the channel's
 * connection pool, and their outcomes recorded together (ADR 058). Idempotent per (campaign, contact): a retry or a takeover after
 * a killed worker sends only what is still PENDING, and a message that was
 * being sent when its worker died is marked INTERRUPTED, never sent again.
 * When the worker shuts down, the batch goes back to the queue at once and
 * the rest of it is sent by whoever picks it up.
 */
@Injectable()
export class CampaignBatchSender {
  private readonly metrics: CampaignSendMetrics;

  constructor(
    private readonly db: ServiceDatabase,
    private readonly campaigns: CampaignsRepository,
    private readonly channels: ChannelRegistry,
    private readonly sender: MessageSender,
    @Inject(SERVICE_CONFIG) private readonly config: MarketingConfig,
    @Inject(METRICS) metrics: ServiceMetrics,
  ) {
    this.metrics = campaignSendMetrics(metrics.registry);
  }

  async run(
    job: Job<BatchJobData>,
    worker: Worker<BatchJobData>,
    pacer: SendPacer,
    token?: string,
  ): Promise<{ sent: number; skipped: number }> {
    const { tenantId, campaignId, batch } = job.data;
    const { campaign, variants } = await this.db.withTenant(tenantId, async (em) => {
      const campaign = await this.campaigns.load(em, tenantId, campaignId);
      await this.markInterrupted(em, campaignId, batch);
      return { campaign, variants: await this.campaigns.loadVariants(em, tenantId, campaignId) };
    });
    let sent = 0;
    let skipped = 0;
    if (campaign.status !== 'SENDING') return { sent, skipped };
    const byKey = new Map(variants.map((v) => [v.key, v]));
    const templates = new Map(variants.map((v) => [v.key, v.templateId]));
    const limits = this.limits(campaign);
    const claimSize = this.claimSize(limits);
    for (;;) {
      if (worker.closing) {
        await job.moveToDelayed(Date.now() + 500, token);
        throw new DelayedError();
      }
      // Slots for a whole claim under every limit, reserved at once (the rate holds across claims, workers and replicas);
      // then the recipients are checked and claimed, right before they are sent.
      await pacer.pace(limits, sleep, claimSize);
      const claim = await this.db.withTenant(tenantId, (em) => claimRecipients(em, tenantId, campaign, templates, batch, claimSize));
      skipped += claim.skipped;
      this.metrics.skipped(campaign.channel, claim.skipped);
      if (claim.claimed.length > 0) {
        const outcomes = await this.sender.deliverMany(
          claim.claimed.map((c) => ({
            tenantId,
            messageId: c.messageId,
            contactId: c.contactId,
            channel: campaign.channel,
            purpose: campaign.purpose,
            address: c.address,
            content: (byKey.get(c.variantKey) as VariantView).content,
            view: templateView(c.recipient, { campaignName: campaign.name }),
            metadata: { tenant: tenantId, campaign: campaignId, variant: c.variantKey },
          })),
        );
        sent += outcomes.filter((o) => o === 'SENT').length;
        this.metrics.delivered(campaign.channel, outcomes);
      }
      if (claim.exhausted || claim.stopped) break;
    }
    return { sent, skipped };
  }

  /**
   * Recipients claimed (and sent) together: MARKETING_SEND_CLAIM_SIZE, but
   * no more than a fifth of a second's worth under the tightest limit, so a
   * slow campaign still goes out evenly rather than in bursts.
   */
  private claimSize(limits: { perSecond: number }[]): number {
    const slowest = Math.min(...limits.map((l) => l.perSecond));
    return Math.max(1, Math.min(this.config.MARKETING_SEND_CLAIM_SIZE, Math.floor(slowest / 5)));
  }

  private limits(campaign: CampaignView): { key: string; perSecond: number }[] {
    const provider = { key: `provider:${campaign.channel}`, perSecond: this.channels.ratePerSecond(campaign.channel) };
    return campaign.sendRatePerMinute
      ? [{ key: `campaign:${campaign.id}`, perSecond: campaign.sendRatePerMinute / 60 }, provider]
      : [provider];
  }

  /** Messages an earlier attempt of this batch was sending when it died: unknown whether they went out, so never again. */
  private async markInterrupted(em: EntityManager, campaignId: string, batch: number): Promise<void> {
    const stuck: { message_id: string }[] = returnedRows(
      await em.query(
        `UPDATE campaign_recipients SET status = 'INTERRUPTED', skip_reason = 'INTERRUPTED'
          WHERE campaign_id = $1 AND batch = $2 AND status = 'SENDING' RETURNING message_id`,
        [campaignId, batch],
      ),
    );
    await failInterrupted(
      em,
      stuck.map((r) => r.message_id),
    );
  }
}
