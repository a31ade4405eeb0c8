import { Inject, Injectable } from '@nestjs/common';
import { badUserInput } from '@rapport/auth';
import { decimal } from '@rapport/money';
import { SERVICE_CONFIG } from '@rapport/service-kit';
import type { EntityManager } from 'typeorm';
import type { MarketingConfig } from '../marketing.env';
import { SegmentsService } from '../segments/segments.service';
import { drawAudience, type AudienceDraw } from './campaign-audience';
import type { CampaignView } from './campaign-view';

/**
 * Starts a campaign's sending in the caller's transaction: draws the
 * audience (the segment as it is now) and marks the campaign SENDING. The
 * caller queues the send batches after the commit.
 */
@Injectable()
export class CampaignLauncher {
  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: MarketingConfig,
    private readonly segments: SegmentsService,
  ) {}

  async start(em: EntityManager, tenantId: string, campaign: CampaignView, opts: { enforceBudget: boolean }): Promise<AudienceDraw> {
    const segment = await this.segments.load(em, tenantId, campaign.segmentId);
    const members = await this.segments.membersQuery(em, tenantId, segment);
    const variants: { key: string; split: string }[] = await em.query(
      `SELECT key, split_percent::text AS split FROM campaign_variants WHERE tenant_id = $1 AND campaign_id = $2 ORDER BY position`,
      [tenantId, campaign.id],
    );
    const draw = await drawAudience(em, {
      tenantId,
      campaignId: campaign.id,
      channel: campaign.channel,
      purpose: campaign.purpose,
      members,
      controlBp: Math.round(campaign.controlPercent * 100),
      testBp: Math.round(campaign.testPercent * 100),
      variants: variants.map((v) => ({ key: v.key, splitBp: Math.round(Number(v.split) * 100) })),
      batchSize: this.config.MARKETING_SEND_BATCH_SIZE,
      at: new Date(),
    });
    if (opts.enforceBudget && campaign.budget && !decimal(campaign.costPerMessage.amount).isZero()) {
      const affordable = decimal(campaign.budget.amount).dividedToIntegerBy(campaign.costPerMessage.amount).toNumber();
      if (draw.toSend > affordable) {
        throw badUserInput(
          'id',
          `the budget ${campaign.budget.amount} ${campaign.budget.currency} covers ${affordable} messages at ${campaign.costPerMessage.amount} each; ` +
            `${draw.toSend} are to be sent now (raise the budget, lower testPercent or narrow the segment)`,
        );
      }
    }
    await em.query(
      `UPDATE campaigns SET status = 'SENDING', launched_at = now(), audience_count = $3, excluded = $4, updated_at = now()
        WHERE tenant_id = $1 AND id = $2`,
      [tenantId, campaign.id, draw.total, JSON.stringify(draw.excluded)],
    );
    return draw;
  }
}
