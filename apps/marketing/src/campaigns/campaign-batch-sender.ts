import { Injectable } from '@nestjs/common';
import { returnedRows } from '@rapport/persistence';
import { ServiceDatabase } from '@rapport/service-kit';
import { DelayedError, type Job, type Worker } from 'bullmq';
import type { EntityManager } from 'typeorm';
import { ChannelRegistry } from '../sending/channel-registry';
import { MessageSender } from '../sending/message-sender';
import { failInterrupted } from '../sending/message-rows';
import { templateView } from '../sending/recipient-view';
import { SendPacer } from '../sending/send-pacer';
import { claimRecipient } from './campaign-claim';
import type { CampaignView, VariantView } from './campaign-view';
import { CampaignsRepository } from './campaigns.repository';

export interface BatchJobData {
  tenantId: string;
  campaignId: string;
  batch: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Sends one batch of a campaign: each pending recipient in turn, paced to
 * the provider's and the campaign's rate, checked and claimed at send time,
 * then sent. Idempotent per (campaign, contact): a retry or a takeover after
 * a killed worker sends only what is still PENDING, and a message that was
 * being sent when its worker died is marked INTERRUPTED, never sent again.
 * When the worker shuts down, the batch goes back to the queue at once and
 * the rest of it is sent by whoever picks it up.
 */
@Injectable()
export class CampaignBatchSender {
  constructor(
    private readonly db: ServiceDatabase,
    private readonly campaigns: CampaignsRepository,
    private readonly channels: ChannelRegistry,
    private readonly sender: MessageSender,
  ) {}

  async run(
    job: Job<BatchJobData>,
    worker: Worker<BatchJobData>,
    pacer: SendPacer,
    token?: string,
  ): Promise<{ sent: number; skipped: number }> {
    const { tenantId, campaignId, batch } = job.data;
    const { campaign, variants, pending } = await this.db.withTenant(tenantId, async (em) => {
      const campaign = await this.campaigns.load(em, tenantId, campaignId);
      await this.markInterrupted(em, campaignId, batch);
      const pending: { contact_id: string }[] = await em.query(
        `SELECT contact_id FROM campaign_recipients WHERE campaign_id = $1 AND batch = $2 AND status = 'PENDING' ORDER BY bucket, contact_id`,
        [campaignId, batch],
      );
      return { campaign, variants: await this.campaigns.loadVariants(em, tenantId, campaignId), pending };
    });
    let sent = 0;
    let skipped = 0;
    if (campaign.status !== 'SENDING') return { sent, skipped };
    const byKey = new Map(variants.map((v) => [v.key, v]));
    const templates = new Map(variants.map((v) => [v.key, v.templateId]));
    for (const { contact_id: contactId } of pending) {
      if (worker.closing) {
        await job.moveToDelayed(Date.now() + 500, token);
        throw new DelayedError();
      }
      await pacer.pace(this.limits(campaign), sleep);
      const claim = await this.db.withTenant(tenantId, (em) => claimRecipient(em, tenantId, campaign, templates, contactId));
      if (claim.kind === 'gone') continue;
      if (claim.kind === 'skipped') {
        skipped++;
        if (claim.reason === 'CANCELLED') break;
        continue;
      }
      const variant = byKey.get(claim.variantKey) as VariantView;
      const outcome = await this.sender.deliver({
        tenantId,
        messageId: claim.messageId,
        contactId,
        channel: campaign.channel,
        purpose: campaign.purpose,
        address: claim.address,
        content: variant.content,
        view: templateView(claim.recipient, { campaignName: campaign.name }),
        metadata: { tenant: tenantId, campaign: campaignId, variant: claim.variantKey },
      });
      if (outcome === 'SENT') sent++;
    }
    return { sent, skipped };
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
