import { Inject, Injectable } from '@nestjs/common';
import { badUserInput, conflict, type Principal } from '@rapport/auth';
import { decimal } from '@rapport/money';
import { returnedRows } from '@rapport/persistence';
import { SERVICE_CONFIG, ServiceDatabase, validate } from '@rapport/service-kit';
import { requireMarketingWrite } from '../access/marketing-access';
import { CampaignJobs } from '../campaigns/campaign-jobs';
import { CampaignsRepository } from '../campaigns/campaigns.repository';
import type { CampaignView } from '../campaigns/campaign-view';
import type { MarketingConfig } from '../marketing.env';
import { ChannelRegistry } from '../sending/channel-registry';
import { CampaignResults } from './campaign-results';

/**
 * "Roll out successes": once the test wave is sent, the winning variant
 * (the best conversion rate, or the one the marketer names) goes to the
 * audience held back from the test — and, if asked, to the control group,
 * which ends the measurement against it. Once per campaign.
 */
@Injectable()
export class CampaignRollout {
  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: MarketingConfig,
    private readonly db: ServiceDatabase,
    private readonly campaigns: CampaignsRepository,
    private readonly results: CampaignResults,
    private readonly jobs: CampaignJobs,
    private readonly channels: ChannelRegistry,
  ) {}

  async rollOut(
    principal: Principal,
    id: string,
    variantKey: string | null | undefined,
    includeControl: boolean,
  ): Promise<{ campaign: CampaignView; variantKey: string; recipients: number }> {
    requireMarketingWrite(principal);
    const campaignId = validate.requireUuid('campaignId', id);
    const tenantId = principal.tenantId;
    const planned = await this.db.withTenant(tenantId, async (em) => {
      const campaign = await this.campaigns.load(em, tenantId, campaignId, { forUpdate: true });
      if (campaign.rolledOutAt) throw conflict(`campaign ${campaignId} was rolled out already (variant ${campaign.winnerVariant})`);
      if (campaign.status !== 'SENT') throw conflict(`campaign ${campaignId} is ${campaign.status}; roll out once the test has been sent`);
      this.channels.requireConfigured(campaign.channel);
      const variants = await this.campaigns.loadVariants(em, tenantId, campaignId);
      let winner = variantKey ?? null;
      if (winner !== null && !variants.some((v) => v.key === winner))
        throw badUserInput('variantKey', `campaign ${campaignId} has no variant ${winner}`);
      if (winner === null) {
        const groups = await this.results.groups(em, tenantId, campaign, 'LAST_TOUCH');
        winner =
          groups
            .filter((g) => g.group === 'VARIANT' && g.reach > 0)
            .sort((a, b) => b.conversionRate - a.conversionRate || (a.variantKey ?? '').localeCompare(b.variantKey ?? ''))[0]?.variantKey ??
          null;
        if (winner === null) throw conflict('no variant has reached anyone yet, so there is no winner to roll out');
      }
      const groups = includeControl ? ['HOLDOUT', 'CONTROL'] : ['HOLDOUT'];
      const [{ n }]: { n: number }[] = await em.query(
        `SELECT count(*)::int AS n FROM campaign_recipients WHERE campaign_id = $1 AND grp = ANY($2::text[]) AND status = 'HELD'`,
        [campaignId, groups],
      );
      if (n === 0)
        throw conflict(
          `nobody is left to roll out to (the test covered the whole audience${includeControl ? '' : '; includeControl sends to the control group'})`,
        );
      if (campaign.budget && !decimal(campaign.costPerMessage.amount).isZero()) {
        const [{ claimed }]: { claimed: number }[] = await em.query(`SELECT messages_claimed AS claimed FROM campaigns WHERE id = $1`, [
          campaignId,
        ]);
        const affordable = decimal(campaign.budget.amount).dividedToIntegerBy(campaign.costPerMessage.amount).toNumber() - claimed;
        if (n > affordable)
          throw badUserInput('campaignId', `the rest of the budget covers ${Math.max(0, affordable)} messages; the roll-out needs ${n}`);
      }
      const [{ next }]: { next: number }[] = await em.query(
        `SELECT coalesce(max(batch) + 1, 0)::int AS next FROM campaign_recipients WHERE campaign_id = $1`,
        [campaignId],
      );
      const batches = returnedRows<{ batch: number }>(
        await em.query(
          `WITH held AS (
           SELECT contact_id, $4::int + ((row_number() OVER (ORDER BY bucket, contact_id) - 1) / $5::int)::int AS batch
             FROM campaign_recipients WHERE campaign_id = $1 AND grp = ANY($2::text[]) AND status = 'HELD')
         UPDATE campaign_recipients r SET grp = 'ROLLOUT', variant_key = $3, status = 'PENDING', batch = held.batch
           FROM held WHERE r.campaign_id = $1 AND r.contact_id = held.contact_id
         RETURNING held.batch`,
          [campaignId, groups, winner, next, this.config.MARKETING_SEND_BATCH_SIZE],
        ),
      );
      await em.query(
        `UPDATE campaigns SET status = 'SENDING', winner_variant = $3, rolled_out_at = now(), completed_at = NULL, updated_at = now()
          WHERE tenant_id = $1 AND id = $2`,
        [tenantId, campaignId, winner],
      );
      return { winner, recipients: n, batches: [...new Set(batches.map((b) => b.batch))].sort((a, b) => a - b) };
    });
    await this.jobs.startWave(tenantId, campaignId, 'rollout', planned.batches);
    const campaign = await this.db.withTenant(tenantId, (em) => this.campaigns.load(em, tenantId, campaignId));
    return { campaign, variantKey: planned.winner, recipients: planned.recipients };
  }
}
