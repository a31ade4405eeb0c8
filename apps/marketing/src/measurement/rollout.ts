import { Inject, Injectable } from '@nestjs/common';
import { badUserInput, badUserInputs, conflict, type Principal } from '@rapport/auth';
import { decimal } from '@rapport/money';
import { SERVICE_CONFIG, ServiceDatabase, validate } from '@rapport/service-kit';
import { requireMarketingWrite } from '../access/marketing-access';
import { markRolledOut, moveHeldToRollout } from '../campaigns/campaign-rollout-rows';
import { CampaignJobs } from '../campaigns/campaign-jobs';
import { CampaignsRepository } from '../campaigns/campaigns.repository';
import type { CampaignView } from '../campaigns/campaign-view';
import type { MarketingConfig } from '../marketing.env';
import { ChannelRegistry } from '../sending/channel-registry';
import { CampaignResults, verdictOf } from './campaign-results';
import type { WinnerDecision } from './significance';

/**
 * "Roll out successes": once the test wave is sent, the significant winner
 * (significance.ts: every group at the planned sample size, and better than
 * every other variant and than control after Holm's adjustment) goes to the
 * audience held back from the test — and, if asked, to the control group,
 * which ends the measurement against it. Without one it is refused with the
 * reasons; the marketer may still force a named variant, which is recorded
 * on the campaign. Once per campaign.
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
    override = false,
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
      if (variantKey != null && !variants.some((v) => v.key === variantKey))
        throw badUserInput('variantKey', `campaign ${campaignId} has no variant ${variantKey}`);
      if (override && variantKey == null)
        throw badUserInput('overrideSignificance', 'name the variantKey to roll out without a significant winner');
      const verdict = verdictOf(campaign, await this.results.groups(em, tenantId, campaign, 'LAST_TOUCH'));
      const winner = override ? (variantKey as string) : requireSignificantWinner(campaignId, verdict, variantKey ?? null);
      const overridden = override && verdict.winner !== winner;
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
      const batches = await moveHeldToRollout(em, campaignId, groups, winner, next, this.config.MARKETING_SEND_BATCH_SIZE);
      await markRolledOut(em, tenantId, campaignId, winner, overridden);
      return { winner, recipients: n, batches: [...new Set(batches)].sort((a, b) => a - b) };
    });
    await this.jobs.startWave(tenantId, campaignId, 'rollout', planned.batches);
    const campaign = await this.db.withTenant(tenantId, (em) => this.campaigns.load(em, tenantId, campaignId));
    return { campaign, variantKey: planned.winner, recipients: planned.recipients };
  }
}

/**
 * The winner to roll out, or BAD_USER_INPUT listing why there is none: the
 * caller asked for something the data does not support, which more data
 * (or overrideSignificance) can change.
 */
function requireSignificantWinner(campaignId: string, verdict: WinnerDecision, named: string | null): string {
  if (verdict.winner !== null && (named === null || named === verdict.winner)) return verdict.winner;
  const field = named === null ? 'campaignId' : 'variantKey';
  const reasons =
    verdict.winner !== null
      ? [`the significant winner is ${verdict.winner}, not ${named}`]
      : verdict.reasons.map((r) => `campaign ${campaignId} has no significant winner: ${r}`);
  throw badUserInputs(reasons.map((message) => ({ field, message })));
}
